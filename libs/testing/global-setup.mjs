// Jest loads global set-up outside its module system, so it runs through the project's TS hooks.
import './ts-loader.mjs';

const { default: globalSetup } = await import('./src/global-setup.ts');
export default globalSetup;
