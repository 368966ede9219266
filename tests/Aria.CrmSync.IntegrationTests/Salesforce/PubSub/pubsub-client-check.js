// Subscribes to the Salesforce emulator's Pub/Sub API with salesforce-pubsub-api-client (pinned in .ci/run), the
// widely used Node client: it speaks TLS (rejectUnauthorizedSsl: false accepts the emulator's self-signed
// certificate), sends the accesstoken/instanceurl/tenantid metadata, fetches writer schemas with GetSchema, decodes
// the Avro payloads with avro-js, expands the bitmap fields and decodes replay ids as 8-byte big-endian integers.
// Prints one JSON line with what it decoded, unchanged, for the C# test to compare.
'use strict';
const fs = require('fs');
const PubSubApiClient = require('salesforce-pubsub-api-client').default ?? require('salesforce-pubsub-api-client');

const info = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const quiet = { debug() {}, info() {}, warn() {}, error: (...args) => console.error(...args) };

async function main() {
  const client = new PubSubApiClient({
    authType: 'user-supplied',
    accessToken: info.accessToken,
    instanceUrl: info.instanceUrl,
    organizationId: info.organizationId,
    pubSubEndpoint: info.endpoint,
    rejectUnauthorizedSsl: false,
  }, quiet);
  await client.connect();
  const events = [];
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${events.length} of ${info.count} events`)), 30000);
    client.subscribeFromEarliestEvent(info.topic, (subscription, type, data) => {
      if (type === 'event') {
        const header = data.payload.ChangeEventHeader;
        events.push({
          replayId: data.replayId,
          schemaId: data.schemaId,
          changeType: header.changeType,
          entityName: header.entityName,
          recordIds: header.recordIds,
          changedFields: header.changedFields,
          nulledFields: header.nulledFields,
          commitTimestamp: header.commitTimestamp,
          Name: data.payload.Name ?? null,
          StageName: data.payload.StageName ?? null,
          Amount: data.payload.Amount ?? null,
          CloseDate: data.payload.CloseDate ?? null,
        });
      } else if (type === 'lastEvent') {
        clearTimeout(timer);
        resolve();
      } else if (type === 'error') {
        clearTimeout(timer);
        reject(data instanceof Error ? data : new Error(JSON.stringify(data)));
      }
    }, info.count);
  });
  try {
    await done;
  } finally {
    client.close();
  }
  console.log(JSON.stringify({ events }));
}

main().then(() => process.exit(0), (error) => {
  console.error(error && error.stack ? error.stack : error);
  if (error && error.cause) console.error('cause:', error.cause);
  process.exit(1);
});
