// Apart from client.ts so that configuration code can name the endpoints without loading the client (and with it
// node:crypto, ~20 internal modules compiled at every start of every command).
export const DEFAULT_API_BASE_URL = 'https://api.ucloud.cn';
export const INTERNAL_API_BASE_URL = 'http://api.service.ucloud.cn';
