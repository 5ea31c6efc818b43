// Messages of the "operation" area (see ../index.ts for the placeholder syntax).
export default {
} as const;
