namespace Pipeline.Orchestrator.Reminders;

/// <summary>One reminder as stored in the reminders file.</summary>
/// <param name="Grain">The grain id, in Orleans' text form.</param>
/// <param name="Name">The reminder's name, unique per grain.</param>
/// <param name="StartAt">When the reminder first ticks (UTC).</param>
/// <param name="Period">Time between ticks.</param>
/// <param name="ETag">Changes on every upsert.</param>
internal sealed record ReminderFileRow(string Grain, string Name, DateTime StartAt, TimeSpan Period, string ETag);
