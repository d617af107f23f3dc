export default async function globalTeardown(): Promise<void> {
  const infrastructure = globalThis.__schedulerTestInfrastructure;
  globalThis.__schedulerTestInfrastructure = undefined;
  await infrastructure?.stop();
}
