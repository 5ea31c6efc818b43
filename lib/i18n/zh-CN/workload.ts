import type { Translation } from '../index.ts';
import type en from '../en/workload.ts';

export default {
} satisfies Translation<typeof en>;
