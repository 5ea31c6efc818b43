import type { Translation } from '../index.ts';
import type en from '../en/setup.ts';

export default {
} satisfies Translation<typeof en>;
