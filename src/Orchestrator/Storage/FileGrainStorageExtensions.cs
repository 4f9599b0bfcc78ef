using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Pipeline.Orchestrator.Storage;

/// <summary>Registers <see cref="FileGrainStorage"/> on a silo.</summary>
public static class FileGrainStorageExtensions
{
    /// <summary>Adds a file grain storage named <paramref name="name"/> that keeps its files under <paramref name="rootDirectory"/>.</summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder builder, string name, string rootDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddGrainStorage(name, (services, storageName) => new FileGrainStorage(
            storageName,
            rootDirectory,
            services.GetRequiredService<IGrainStorageSerializer>(),
            services.GetRequiredService<ILogger<FileGrainStorage>>()));
        return builder;
    }
}
