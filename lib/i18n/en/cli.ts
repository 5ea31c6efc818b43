// Messages of the "cli" area (see ../index.ts for the placeholder syntax).
export default {
} as const;
