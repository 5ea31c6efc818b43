// Messages of the "ucloud" area (see ../index.ts for the placeholder syntax).
export default {
} as const;
