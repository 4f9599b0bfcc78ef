namespace Pipeline.Orchestrator.Hosting;

/// <summary>Where the pipeline keeps its state and how its processes find each other; bound from the "Pipeline" section.</summary>
public sealed record PipelineOptions
{
    /// <summary>Configuration section these options are bound from.</summary>
    public const string Section = "Pipeline";

    /// <summary>Folder for grain state, reminders and run outputs of the embedded default.</summary>
    public string RunDirectory { get; set; } = "runs/local";

    /// <summary>Redis connection string of a distributed cluster; empty means the embedded one-process default.</summary>
    public string? Cluster { get; set; }

    /// <summary>Orleans cluster id: silos and clients with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "pipeline";

    /// <summary>Orleans service id: keeps grain state apart between deployments sharing storage.</summary>
    public string ServiceId { get; set; } = "pipeline";

    /// <summary>Silo-to-silo port of a distributed cluster's silo when none is configured.</summary>
    public const int DefaultSiloPort = 11111;

    /// <summary>Gateway port of a distributed cluster's silo when none is configured.</summary>
    public const int DefaultGatewayPort = 30000;

    /// <summary>Port silos talk to each other on; unset: <see cref="DefaultSiloPort"/> for a distributed silo, a free one for the embedded silo; 0: a free one.</summary>
    public int? SiloPort { get; set; }

    /// <summary>Port clients connect to; unset: <see cref="DefaultGatewayPort"/> for a distributed silo, a free one for the embedded silo; 0: a free one.</summary>
    public int? GatewayPort { get; set; }

    /// <summary>Address other silos and clients reach this silo at; empty lets Orleans pick this host's address.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>How long a client waits for a silo of the cluster to answer before giving up.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Roles this silo carries (e.g. <c>gpu</c>), used by role-filtered placement.</summary>
    public IList<string> Roles { get; } = [];

    /// <summary>GPUs this silo offers to training jobs when it has the gpu role (one worker each).</summary>
    public int Gpus { get; set; } = 1;

    /// <summary>How often a running campaign's reminder wakes it after a restart (Orleans allows no less than a minute in production).</summary>
    public TimeSpan CampaignReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Runs under Orleans' Kubernetes hosting: silo name, address and cluster come from the pod, and silos of deleted pods are declared dead at once.</summary>
    public bool Kubernetes { get; set; }

    /// <summary>True when a Redis cluster connection is configured.</summary>
    public bool IsDistributed => !string.IsNullOrWhiteSpace(Cluster);
}
