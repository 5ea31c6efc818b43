import type { Translation } from '../index.ts';
import type en from '../en/cli.ts';

export default {
} satisfies Translation<typeof en>;
