using System.Text.Json;

namespace Aria.CrmSync.Providers.Salesforce;

/// <content>An ordered query read page by page as a merge of several such queries consumes it.</content>
internal sealed partial class SalesforceGateway
{
    /// <summary>
    /// One query of a merged change stream (rows ordered by <c>SystemModstamp</c>, <c>Id</c>), read page by page as the
    /// merge consumes it (activities: Task, Event, Note; contacts: OpportunityContactRole, Contact).
    /// </summary>
    private sealed class OrderedQuery<T>(SalesforceGateway gateway, SalesforceCall call, string soql, Func<JsonElement, string, T> map, bool all = false)
        where T : class
    {
        private readonly Queue<T> _buffer = new();
        private bool _started;
        private string? _next;

        public T? Peek => _buffer.Count > 0 ? _buffer.Peek() : null;

        public T Take() => _buffer.Dequeue();

        public async Task FillAsync(CancellationToken cancellationToken)
        {
            while (_buffer.Count == 0 && !(_started && _next is null))
            {
                var page = _started
                    ? await gateway.QueryMoreAsync(call, _next!, map, cancellationToken).ConfigureAwait(false)
                    : await gateway.QueryAsync(call, soql, all, map, cancellationToken).ConfigureAwait(false);
                _started = true;
                _next = page.Next;
                foreach (var row in page.Rows)
                {
                    _buffer.Enqueue(row);
                }
            }
        }
    }
}
