// Messages of the "workload" area (see ../index.ts for the placeholder syntax).
export default {
} as const;
