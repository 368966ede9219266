using System.ComponentModel.DataAnnotations;

namespace Aria.CrmSync;

/// <summary>Options of the change notification path (<see cref="ICrmChangeNotifier"/>).</summary>
public sealed class CrmChangeNotifierOptions
{
    /// <summary>
    /// Gets or sets how long notifications of a connection are collected before they run as one targeted sync: a burst
    /// of edits becomes one batched read and one batch of writes, never one write per notification.
    /// </summary>
    /// <value>The default value is 250 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan DebounceInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets or sets the most record ids one targeted sync reads (larger batches are split).</summary>
    /// <value>The default value is 200 (Salesforce's sObject Collections limit per read).</value>
    [Range(1, 2000)]
    public int MaxBatchSize { get; set; } = 200;

    /// <summary>Gets or sets how long to wait before trying again when another worker holds the connection's lease.</summary>
    /// <value>The default value is 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan LeaseBusyRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many times a batch is tried before it is left to the periodic incremental sync.</summary>
    /// <value>The default value is 5.</value>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;
}
