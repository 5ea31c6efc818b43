// Messages of the "view" area (see ../index.ts for the placeholder syntax).
export default {
} as const;
