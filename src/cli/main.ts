import type { CommanderError } from "commander";
import { errorMessage, ZeroclipError } from "../util/errors.js";
import { packageVersion } from "../util/version.js";
import { COMMANDS, commandFor } from "./commands.js";
import { EXIT, exitCodeOf, takeExitCode } from "./exit.js";

/** Run the CLI with the given arguments; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // `zeroclip --version` alone answers before commander is loaded (most of what it would cost).
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const { Command: CommanderCommand, CommanderError: ParseError, Help } = await import("commander");
  const program = new CommanderCommand("zeroclip")
    .description("Zero-shot image classification with CLIP: images + class names → probabilities.")
    .version(packageVersion())
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `
Examples:
  zeroclip classify frog.jpg --labels "tree frog,tailed frog"
  zeroclip describe --labels "tree frog,tailed frog" --llm-model gpt-4o-mini --out desc.json
  zeroclip classify photos/ --labels-file labels.txt --descriptions desc.json --format jsonl
  zeroclip eval photos/ --strategy base=single:"a photo of a {}." --strategy cupl=cupl:desc.json
  zeroclip adapt photos/ --method gda --shots 16 --out photos.safetensors
  zeroclip index photos/ --store photos.zcstore && zeroclip search --store photos.zcstore --text "a red car"
  zeroclip serve --port 8080        # HTTP API + web page at http://127.0.0.1:8080/
  zeroclip index /shared/photos --store postgres://db/photos --queue redis://queue:6379  (+ zeroclip worker …)

Run \`zeroclip <command> --help\` for a command's options. Results go to stdout, progress and
logs to stderr. Exit codes: 0 ok, 1 some inputs failed, 2 usage, 3 model, 4 network.`,
    );
  const entry = commandFor(argv);
  if (entry) {
    // Only the module of the command that runs is loaded (and with it, its dependencies).
    program.addCommand(await entry.load());
  } else {
    // --help, --version, no or an unknown command: list the commands from the table alone.
    const terms = new Map(COMMANDS.map((c) => [c.name, c.term]));
    const standard = new Help();
    program.configureHelp({
      subcommandTerm: (cmd) => terms.get(cmd.name()) ?? standard.subcommandTerm(cmd),
    });
    for (const c of COMMANDS) program.command(c.name).description(c.summary);
  }
  for (const cmd of [program, ...program.commands]) cmd.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
    return takeExitCode();
  } catch (err) {
    return exitCodeFor(err, ParseError);
  }
}

function exitCodeFor(err: unknown, parseError: typeof CommanderError): number {
  if (err instanceof parseError) {
    // --help and --version leave through the same path with exit code 0.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof ZeroclipError) {
    process.stderr.write(`zeroclip: ${errorMessage(err)}\n`);
    return exitCodeOf(err.code);
  }
  throw err;
}
