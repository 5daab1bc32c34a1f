export const policies = [];
