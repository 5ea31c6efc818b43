import type { Translation } from '../index.ts';
import type en from '../en/view.ts';

export default {
} satisfies Translation<typeof en>;
