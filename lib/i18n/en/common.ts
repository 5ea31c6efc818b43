// Messages of the "common" area: words every command uses (see ../index.ts for the placeholder syntax).
export default {
  // kubectl's prefixes, separator included (Chinese uses a full-width colon and no space).
  'common.error': 'error: ',
  'common.warning': 'Warning: ',
  'common.listSeparator': ', ',
  'common.itemError': '{item}: {message}',
  'common.itemNotStarted': '{item}: not started: --timeout ran out',
} as const;
