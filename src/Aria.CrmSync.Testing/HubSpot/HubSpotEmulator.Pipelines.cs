using System.Globalization;
using System.Text.Json.Nodes;

namespace Aria.CrmSync.Testing;

/// <content>Deal pipelines and stages.</content>
public sealed partial class HubSpotEmulator
{
    private readonly List<HubSpotPipeline> _pipelines = [];
    private DateTimeOffset _pipelinesCreatedAt;

    /// <summary>Gets the deal pipelines (the default one first).</summary>
    public IReadOnlyList<HubSpotPipeline> DealPipelines
    {
        get
        {
            lock (_gate)
            {
                return [.. _pipelines];
            }
        }
    }

    /// <summary>Adds a custom deal pipeline; HubSpot gives custom pipelines and their stages numeric ids.</summary>
    /// <param name="label">The pipeline label.</param>
    /// <param name="stages">The stages in order: label, win probability (0.0–1.0) and whether the stage closes the deal.</param>
    /// <returns>The pipeline with its generated ids.</returns>
    public HubSpotPipeline AddDealPipeline(string label, params (string Label, double Probability, bool IsClosed)[] stages)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Length == 0)
        {
            throw new ArgumentException("A pipeline needs at least one stage.", nameof(stages));
        }

        lock (_gate)
        {
            var pipelineId = Invariant(NextPipelineId());
            var list = stages.Select(s => new HubSpotPipelineStage(Invariant(NextPipelineId()), s.Label, s.Probability, s.IsClosed)).ToList();
            var pipeline = new HubSpotPipeline(pipelineId, label, list);
            _pipelines.Add(pipeline);
            return pipeline;
        }
    }

    private long NextPipelineId() => 100_000_000 + (_idRandom.NextInt64(1, 900_000_000));

    private void InitializePipelines()
    {
        _pipelinesCreatedAt = TimeProvider.GetUtcNow();
        _pipelines.Add(new HubSpotPipeline("default", "Sales Pipeline",
        [
            new("appointmentscheduled", "Appointment Scheduled", 0.2, false),
            new("qualifiedtobuy", "Qualified To Buy", 0.4, false),
            new("presentationscheduled", "Presentation Scheduled", 0.6, false),
            new("decisionmakerboughtin", "Decision Maker Bought-In", 0.8, false),
            new("contractsent", "Contract Sent", 0.9, false),
            new("closedwon", "Closed Won", 1.0, true),
            new("closedlost", "Closed Lost", 0.0, true),
        ]));
    }

    private void ValidateDealStage(Dictionary<string, string?> values, HubSpotStoredObject? existing, bool isCreate, List<HubSpotPropertyError> errors)
    {
        if (!isCreate && !values.ContainsKey("pipeline") && !values.ContainsKey("dealstage"))
        {
            return;
        }

        var pipelineId = values.TryGetValue("pipeline", out var p) ? p : existing?.Get("pipeline");
        pipelineId ??= "default";
        var pipeline = _pipelines.FirstOrDefault(x => x.Id == pipelineId);
        if (pipeline is null)
        {
            errors.Add(new("pipeline", "INVALID_OPTION", $"{pipelineId} was not one of the allowed options: [{string.Join(", ", _pipelines.Select(x => x.Id))}]"));
            return;
        }

        if (isCreate)
        {
            values["pipeline"] = pipeline.Id;
        }

        var stageId = values.TryGetValue("dealstage", out var s) ? s : existing?.Get("dealstage");
        if (stageId is null)
        {
            values["dealstage"] = pipeline.Stages[0].Id;
            return;
        }

        if (pipeline.Stages.All(x => x.Id != stageId))
        {
            errors.Add(new("dealstage", "INVALID_OPTION", $"{stageId} was not one of the allowed options: [{string.Join(", ", pipeline.Stages.Select(x => x.Id))}]"));
        }
    }

    private void ComputeDealProperties(HubSpotStoredObject deal, DateTimeOffset now)
    {
        var pipeline = _pipelines.FirstOrDefault(x => x.Id == deal.Get("pipeline"));
        var stage = pipeline?.Stages.FirstOrDefault(x => x.Id == deal.Get("dealstage"));
        if (stage is null)
        {
            return;
        }

        void SetIfChanged(string name, string value)
        {
            if (deal.Get(name) != value)
            {
                deal.Set(name, value, now, "CALCULATED");
            }
        }

        SetIfChanged("hs_deal_stage_probability", stage.Probability.ToString("0.0##", CultureInfo.InvariantCulture));
        SetIfChanged("hs_is_closed", stage.IsClosed ? "true" : "false");
        SetIfChanged("hs_is_closed_won", stage.IsClosed && stage.Probability >= 1.0 ? "true" : "false");
        SetIfChanged("hs_is_closed_lost", stage.IsClosed && stage.Probability <= 0.0 ? "true" : "false");
    }

    private JsonObject StageJson(HubSpotPipelineStage stage, int order)
        => new()
        {
            ["label"] = stage.Label,
            ["displayOrder"] = order,
            ["metadata"] = new JsonObject
            {
                ["isClosed"] = stage.IsClosed ? "true" : "false",
                ["probability"] = stage.Probability.ToString("0.0##", CultureInfo.InvariantCulture),
            },
            ["id"] = stage.Id,
            ["createdAt"] = FormatTime(_pipelinesCreatedAt),
            ["updatedAt"] = FormatTime(_pipelinesCreatedAt),
            ["archived"] = false,
            ["writePermissions"] = "CRM_PERMISSIONS_ENFORCEMENT",
        };

    private JsonObject PipelineJson(HubSpotPipeline pipeline, int order)
    {
        var stages = new JsonArray();
        for (var i = 0; i < pipeline.Stages.Count; i++)
        {
            stages.Add(StageJson(pipeline.Stages[i], i));
        }

        return new JsonObject
        {
            ["label"] = pipeline.Label,
            ["displayOrder"] = order,
            ["id"] = pipeline.Id,
            ["stages"] = stages,
            ["createdAt"] = FormatTime(_pipelinesCreatedAt),
            ["updatedAt"] = FormatTime(_pipelinesCreatedAt),
            ["archived"] = false,
        };
    }

    private EmulatorResponse HandlePipelines(HubSpotRequestContext context)
    {
        var route = context.Route;
        if (!_types.TryGetValue(route.ObjectType!, out var type) && route.ObjectType is not ("tickets" or "0-5"))
        {
            throw Invalid(context.CorrelationId, $"Unable to infer object type from: {route.ObjectType}");
        }

        var pipelines = type?.Name == "deals" ? _pipelines : [];
        if (route.Kind == HubSpotRouteKind.PipelinesList)
        {
            var results = new JsonArray();
            for (var i = 0; i < pipelines.Count; i++)
            {
                results.Add(PipelineJson(pipelines[i], i));
            }

            return EmulatorResponse.Json(200, new JsonObject { ["results"] = results });
        }

        var index = pipelines.FindIndex(x => x.Id == route.ObjectId);
        if (index < 0)
        {
            throw new HubSpotApiException(404, ErrorBody("OBJECT_NOT_FOUND", $"Unable to find pipeline with id {route.ObjectId}", context.CorrelationId));
        }

        var pipeline = pipelines[index];
        switch (route.Kind)
        {
            case HubSpotRouteKind.PipelineGet:
                return EmulatorResponse.Json(200, PipelineJson(pipeline, index));
            case HubSpotRouteKind.PipelineStagesList:
                {
                    var stages = new JsonArray();
                    for (var i = 0; i < pipeline.Stages.Count; i++)
                    {
                        stages.Add(StageJson(pipeline.Stages[i], i));
                    }

                    return EmulatorResponse.Json(200, new JsonObject { ["results"] = stages });
                }

            default:
                {
                    var stageIndex = pipeline.Stages.ToList().FindIndex(x => x.Id == route.ToObjectId);
                    if (stageIndex < 0)
                    {
                        throw new HubSpotApiException(404, ErrorBody("OBJECT_NOT_FOUND", $"Unable to find stage with id {route.ToObjectId} in pipeline {pipeline.Id}", context.CorrelationId));
                    }

                    return EmulatorResponse.Json(200, StageJson(pipeline.Stages[stageIndex], stageIndex));
                }
        }
    }
}
