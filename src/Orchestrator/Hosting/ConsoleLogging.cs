using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Pipeline.Orchestrator.Hosting;

/// <summary>Console logging for every pipeline process: one line per entry on standard error, stdout left to results.</summary>
public static class ConsoleLogging
{
    /// <summary>Applies the "Logging" section, then <paramref name="verbose"/> lowers the floor to Debug (Orleans to Information).</summary>
    public static void Configure(ILoggingBuilder logging, IConfiguration configuration, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.AddConfiguration(configuration.GetSection("Logging"));
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (verbose)
        {
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddFilter("Pipeline", LogLevel.Debug);
            logging.AddFilter("Orleans", LogLevel.Information);
            logging.AddFilter("Microsoft", LogLevel.Information);
        }
    }
}
