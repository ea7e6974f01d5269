using System.CommandLine;
using Sfmc.Emulator.Tool;

// sfmc-emulator: the SFMC emulator as a program (the command itself is EmulatorCommand, shared with `sfmc emulator`).
var root = new RootCommand(EmulatorCommand.Description("sfmc-emulator"));
EmulatorCommand.Configure(root, "sfmc-emulator");
var result = root.Parse(args);
if (result.Errors.Count > 0)
{
    return EmulatorCommand.Usage("sfmc-emulator", result.Errors[0].Message);
}

// Signals are handled by the command (System.CommandLine's own handling would end the process on a timer).
return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
