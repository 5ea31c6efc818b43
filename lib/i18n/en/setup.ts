// Messages of the "setup" area (see ../index.ts for the placeholder syntax).
export default {
} as const;
