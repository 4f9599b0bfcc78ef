using System.Text;
using System.Threading.Channels;
using Pipeline.Sharding.Progress;
using Spectre.Console;

namespace Pipeline.Orchestrator.Cli;

/// <summary>
/// Progress on a terminal: a live Spectre.Console display on standard error with a bar per stage that knows its
/// total, and every other line (milestones, log lines, the command's own output when standard output is the same
/// terminal) printed above the bars, so nothing is drawn over. Used only when standard error is a terminal and not in
/// CI; otherwise commands print the plain <c>stage: message</c> lines (<see cref="ConsoleProgress"/>).
/// </summary>
public sealed class TerminalProgress : IAsyncDisposable
{
    // Description, bar, percentage and time left fit in 80 columns.
    private const int DescriptionWidth = 44;

    private readonly IAnsiConsole _console;
    private readonly Channel<object> _updates = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
    private readonly TextWriter _originalOut;
    private readonly TextWriter _originalError;
    private readonly Task _loop;

    private TerminalProgress(bool stdoutIsTerminal)
    {
        _originalOut = Console.Out;
        _originalError = Console.Error;
        _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_originalError) });
        Output = stdoutIsTerminal ? new LineForwarder(this) : _originalOut;
        Console.SetError(new LineForwarder(this));
        if (stdoutIsTerminal)
        {
            Console.SetOut(Output);
        }

        _loop = _console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(RunAsync);
    }

    /// <summary>The live display of this process, while a command runs on a terminal.</summary>
    public static TerminalProgress? Current { get; private set; }

    /// <summary>Where the command writes its output: the display's line writer when standard output is the terminal too.</summary>
    public TextWriter Output { get; }

    /// <summary>Whether this process should draw live progress: standard error is a terminal that can take it, outside CI.</summary>
    public static bool IsWanted() =>
        !Console.IsErrorRedirected
        && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        && Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } term && term != "dumb";

    /// <summary>Starts the live display, unless <see cref="IsWanted"/> says no (then null).</summary>
    public static TerminalProgress? StartIfWanted()
    {
        if (!IsWanted())
        {
            return null;
        }

        Current = new TerminalProgress(!Console.IsOutputRedirected);
        return Current;
    }

    /// <summary>Shows <paramref name="report"/>: a bar when it counts toward a known total, otherwise a line above the bars.</summary>
    public void Report(StageProgress report) => _updates.Writer.TryWrite(report);

    /// <summary>Stops the display (the bars stay as they were last drawn) and gives the console back.</summary>
    public async ValueTask DisposeAsync()
    {
        _updates.Writer.TryComplete();
        await _loop;
        Console.SetOut(_originalOut);
        Console.SetError(_originalError);
        Current = null;
    }

    private async Task RunAsync(ProgressContext context)
    {
        await foreach (var update in _updates.Reader.ReadAllAsync())
        {
            if (update is string line)
            {
                // Plain text, never markup: a caption or a path may hold brackets.
                _console.Write(new Text(line + Environment.NewLine));
            }
            else if (update is StageProgress { Total: > 0, Done: { } done } report)
            {
                if (!_tasks.TryGetValue(report.Stage, out var task))
                {
                    _tasks[report.Stage] = task = context.AddTask(report.Stage, autoStart: true, maxValue: report.Total.Value);
                }

                task.MaxValue = report.Total.Value;
                task.Value = Math.Min(done, report.Total.Value);
                var text = report.ToString();
                task.Description = Markup.Escape(text.Length <= DescriptionWidth ? text : string.Concat(text.AsSpan(0, DescriptionWidth - 1), "…"));
            }
            else if (update is StageProgress milestone)
            {
                _console.Write(new Text(milestone + Environment.NewLine));
            }
        }

        foreach (var task in _tasks.Values)
        {
            task.StopTask();
        }
    }

    /// <summary>A writer that hands each complete line to the display, so it is printed above the bars.</summary>
    private sealed class LineForwarder(TerminalProgress progress) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    progress._updates.Writer.TryWrite(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "")
            {
                Write(c);
            }
        }

        public override void WriteLine(string? value) => Write((value ?? "") + "\n");

        public override void Flush()
        {
            lock (_line)
            {
                if (_line.Length > 0)
                {
                    progress._updates.Writer.TryWrite(_line.ToString());
                    _line.Clear();
                }
            }
        }
    }
}
