import type { Translation } from '../index.ts';
import type en from '../en/operation.ts';

export default {
} satisfies Translation<typeof en>;
