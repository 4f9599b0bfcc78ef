using Pipeline.Orchestrator.Demo;
using Pipeline.Orchestrator.Grains.Training;

namespace Pipeline.Orchestrator.Tests;

public sealed class DemoReportTests
{
    [Fact]
    public void The_demo_table_lists_each_stage_s_first_clause_every_evaluation_with_the_best_marked_chance_the_best_checkpoint_and_the_dashboard()
    {
        var report = new DemoReport(
            [
                new("queries", "87,102 entries"),
                new("match", "1,190 of 1,321 candidates matched; 412 entries occur"),
                new("filter", "filter: 1,150 samples in, 1,148 kept, 2 dropped (aspect 2); 4 shards (0 already done) in 0.4 s"),
            ],
            Step: 150, Steps: 150, Batch: 64,
            Evaluations: [new TrainingPoint(50, 0.2, 0.7), new TrainingPoint(100, 0.25, 0.75), new TrainingPoint(150, 0.25, 0.8)],
            BestStep: 100, BestCheckpoint: "runs/demo/train/best/step-00000100",
            Categories: 8, HeldOut: 240, Dashboard: new Uri("http://127.0.0.1:18081/"));

        var lines = report.Lines();

        Assert.Equal(
            [
                "demo: what it measured",
                "  queries     87,102 entries",
                "  match       1,190 of 1,321 candidates matched",
                "  filter      1,150 samples in, 1,148 kept, 2 dropped (aspect 2)",
                "  train       150 of 150 steps of 64 pairs",
                "    step 50   top-1  20.0 %   top-5  70.0 %",
                "    step 100  top-1  25.0 %   top-5  75.0 %   best",
                "    step 150  top-1  25.0 %   top-5  80.0 %",
                "  chance      top-1  12.5 %   (8 categories, 240 held-out pictures)",
                "  best        runs/demo/train/best/step-00000100 (step 100)",
                "  dashboard   http://127.0.0.1:18081/",
            ],
            lines);
    }

    [Fact]
    public void A_demo_without_evaluations_a_best_or_a_dashboard_says_so()
    {
        var lines = new DemoReport([], 0, 600, 64, [], null, null, 8, 240, null).Lines();

        Assert.Contains(lines, l => l.StartsWith("  best ", StringComparison.Ordinal) && l.EndsWith(" none kept", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  dashboard ", StringComparison.Ordinal) && l.EndsWith(" not served", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("step ", StringComparison.Ordinal) && l.Contains("top-5", StringComparison.Ordinal));
    }
}
