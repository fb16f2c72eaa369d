export { defineQuery, type Query, type QueryContext, type QueryDefinition } from './define-query.js';
export { handleQuery } from './handle-query.js';
