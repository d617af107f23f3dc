import './ts-loader.mjs';

const { default: globalTeardown } = await import('./src/global-teardown.ts');
export default globalTeardown;
