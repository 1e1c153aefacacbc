export * from './schema.ts';
export * from './parse.ts';
