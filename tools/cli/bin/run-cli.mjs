// Shared by both bins: a reader that stopped early (`scheduler audit export … | head`) is not a
// failure, so stop quietly; the exit code is the command's.
export async function runCli(loadMain) {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const { main } = await loadMain();
  process.exitCode = await main(process.argv.slice(2));
}
