import type { Translation } from '../index.ts';
import type en from '../en/ucloud.ts';

export default {
} satisfies Translation<typeof en>;
