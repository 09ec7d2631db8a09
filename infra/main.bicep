// Everything the inventory backend needs in Azure, in one resource group. Nothing is created at run
// time: the app only reads and writes data, so the database, containers and queue exist here.
//
// No keys anywhere: Cosmos DB, Storage and Application Insights have local (key) auth disabled and the
// function app reaches them with its system-assigned managed identity and the role assignments below.
// Deploy with `azd up` (see docs/deploy.md); tests/Infrastructure.Tests compiles and checks this file offline.

targetScope = 'resourceGroup'

metadata description = 'Inventory backend: Flex Consumption function app, Cosmos DB (NoSQL), Storage, Application Insights.'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; part of every resource name and the azd-env-name tag.')
param environmentName string

@description('Region for all resources. Flex Consumption is available in most, not all, regions.')
param location string = resourceGroup().location

@description('Cosmos DB capacity: serverless (pay per request, the default) or provisioned autoscale throughput shared by the database.')
@allowed([
  'serverless'
  'autoscale'
])
param cosmosThroughputMode string = 'serverless'

@description('Autoscale maximum RU/s for the database when cosmosThroughputMode is autoscale (it scales between 10% and this).')
@minValue(1000)
@maxValue(1000000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('Upper bound on Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per Flex Consumption instance.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional object id of a user or CI principal that also gets data access (azd passes the signed-in user). Empty: none.')
param principalId string = ''

@description('Microsoft Entra tenant whose access tokens the API accepts; the deployment\'s tenant unless named.')
param authTenantId string = tenant().tenantId

@minLength(1)
@description('Application (client) id of the API\'s Entra app registration: the audience (aud) its v2 access tokens name. docs/deploy.md registers it.')
param apiClientId string

@description('Kind of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// Values the app reads through InventoryFunctions.AppSettings; the tests check that every constant there
// has a setting below and a value in local.settings.sample.json.
var databaseName = 'inventory'
var eventsContainerName = 'events'
var projectionsContainerName = 'projections'
var leasesContainerName = 'leases'
var poisonQueueName = 'projection-poison'
var rebuildQueueName = 'projection-rebuilds'
var rebuildPageSize = '100'
var snapshotInterval = '100'

// Every [CosmosDBTrigger] function of the app. On Flex Consumption a non-HTTP trigger scales on its own
// ('function:<name>'), and a Cosmos DB trigger does not wake an app scaled to zero by itself, so each keeps one
// always-ready instance. tests/Infrastructure.Tests checks this list against the functions in the code.
var changeFeedFunctions = [
  'ProjectInventory'
  'ProjectDwellTime'
  'ProjectGlobalCollected'
  'CompleteTransfers'
]

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-inventory-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'

// Built-in role definition ids (the same in every tenant).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}
// Cosmos DB data-plane role "Cosmos DB Built-in Data Contributor" (a Cosmos role, not an Azure RBAC role).
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'

// ---------------------------------------------------------------------------------------------------
// Cosmos DB for NoSQL
// ---------------------------------------------------------------------------------------------------

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' = {
  name: 'cosmos-${resourceToken}'
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: cosmosThroughputMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
    // Entra ID (managed identity) only: no account keys, and no control-plane changes through keys.
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-10-15' = {
  parent: cosmos
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    // Serverless accounts take no throughput; autoscale is shared by the three containers.
    options: cosmosThroughputMode == 'autoscale' ? { autoscaleSettings: { maxThroughput: cosmosAutoscaleMaxThroughput } } : {}
  }
}

// The event log: one partition per inventory, holding its events (id = version, never updated) plus the
// derived head, snapshot ('kind') and idempotency documents (which expire through their own 'ttl', hence
// defaultTtl -1: on, but nothing expires unless it says so). Only the paths the queries use are indexed:
// events by version (audit log, catch-up, time travel; 'version = 1' lists inventories for rebuilds),
// snapshots by kind + state.version or occurredAt (time travel by version or instant), transfer records by kind +
// transferState + createdAt (the timer's look for transfers left debited).
resource eventsContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = {
  parent: database
  name: eventsContainerName
  properties: {
    resource: {
      id: eventsContainerName
      partitionKey: {
        paths: [
          '/inventoryId'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          { path: '/inventoryId/?' }
          { path: '/version/?' }
          { path: '/kind/?' }
          { path: '/state/version/?' }
          { path: '/occurredAt/?' }
          { path: '/transferState/?' }
          { path: '/createdAt/?' }
        ]
        excludedPaths: [
          { path: '/*' }
        ]
        // "WHERE c.kind = 'snapshot' AND ... ORDER BY c.state.version DESC": the nearest snapshot without a scan.
        compositeIndexes: [
          [
            { path: '/kind', order: 'ascending' }
            { path: '/state/version', order: 'descending' }
          ]
        ]
      }
      defaultTtl: -1
    }
  }
}

// Read models, one document per inventory, read by point reads only (rebuilds list inventories from the
// events container), so nothing but the partition key is indexed.
resource projectionsContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = {
  parent: database
  name: projectionsContainerName
  properties: {
    resource: {
      id: projectionsContainerName
      partitionKey: {
        paths: [
          '/inventoryId'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          { path: '/inventoryId/?' }
        ]
        excludedPaths: [
          { path: '/*' }
        ]
      }
    }
  }
}

// Change feed processor leases. The trigger's CreateLeaseContainerIfNotExists is false (it cannot
// create containers with keys disabled), so the container is declared here, partitioned by /id as the
// processor requires. Its indexing stays the default consistent '/*': the processor queries leases by
// id prefix and by owner/continuation fields that are its own implementation detail, and the container
// holds one small document per feed range, so a narrower policy saves nothing and risks a scan failing.
resource leasesContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = {
  parent: database
  name: leasesContainerName
  properties: {
    resource: {
      id: leasesContainerName
      partitionKey: {
        paths: [
          '/id'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          { path: '/*' }
        ]
        excludedPaths: []
      }
      // Time to live on with nothing expiring by default (-1), as the Cosmos DB trigger documents for the
      // lease container: the processor's own lease documents never set 'ttl', so none of them expire.
      defaultTtl: -1
    }
  }
}

resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-10-15' existing = {
  parent: cosmos
  name: cosmosDataContributorRoleId
}

// ---------------------------------------------------------------------------------------------------
// Storage: host storage (AzureWebJobsStorage), the deployment package and the poison queue
// ---------------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: 'st${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

// Flex Consumption runs the app from a package that azd uploads to this container.
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

// Change-feed documents the projector cannot decode are parked here instead of blocking the feed.
resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = {
  parent: queueService
  name: poisonQueueName
}

// Rebuild-all jobs run from here, one message per page (the RebuildProjectionsPage queue trigger); the queue
// extension moves a page that failed 5 times to '<queue>-poison', declared too so nothing is created at run time.
resource rebuildQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = {
  parent: queueService
  name: rebuildQueueName
}

resource rebuildPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = {
  parent: queueService
  name: '${rebuildQueueName}-poison'
}

// ---------------------------------------------------------------------------------------------------
// Monitoring
// ---------------------------------------------------------------------------------------------------

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    IngestionMode: 'LogAnalytics'
    // Telemetry is accepted only with an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING below).
    DisableLocalAuth: true
  }
}

// ---------------------------------------------------------------------------------------------------
// Function app on the Flex Consumption plan
// ---------------------------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

// Identity-based connections: "<Connection>__<property>" settings instead of connection strings.
// Flex Consumption takes the runtime from functionAppConfig, so FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION are not set (they are deprecated on this plan).
var appSettings = {
  // Host storage (leases for the host, timers, keys): blob and queue through the managed identity.
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__credential: 'managedidentity'

  // AppSettings.CosmosConnection ("CosmosDb"), used by the client and the change feed trigger.
  CosmosDb__accountEndpoint: cosmos.properties.documentEndpoint
  CosmosDb__credential: 'managedidentity'
  CosmosDatabaseName: databaseName
  EventsContainerName: eventsContainerName
  ProjectionsContainerName: projectionsContainerName
  LeasesContainerName: leasesContainerName

  // AppSettings.PoisonQueueConnection ("PoisonQueueStorage"): the poison queue, and the rebuild queue's trigger.
  PoisonQueueStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  PoisonQueueStorage__credential: 'managedidentity'
  PoisonQueueName: poisonQueueName
  RebuildQueueName: rebuildQueueName
  RebuildPageSize: rebuildPageSize

  SnapshotInterval: snapshotInterval

  // Bearer tokens (the app checks them itself; every function is anonymous at the host): Entra ID v2 tokens of this
  // tenant for the API's app registration. Keys come from the issuer's discovery document.
  AuthIssuer: '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
  AuthAudience: apiClientId
  AuthPlayerIdClaim: 'sub'
  AuthClockSkewSeconds: '60'
  AllowPlayerTransfers: 'false'

  // /api/health: degraded above this many unprojected changes; answers reused for a few seconds.
  ProjectionLagThreshold: '1000'
  HealthCacheSeconds: '5'
  // The status timer (every minute) publishes the projection numbers health reads; older than this → degraded.
  ProjectionStatusSchedule: '0 */1 * * * *'
  ProjectionStatusStaleMinutes: '5'
  TransferRecoverySchedule: '0 */1 * * * *'

  // The connection string holds only the instrumentation key and ingestion endpoint (not a secret);
  // with local auth disabled, ingestion also needs the Entra token requested by the setting below.
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: [for name in changeFeedFunctions: {
          name: 'function:${name}'
          instanceCount: 1
        }]
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// The full set of app settings (replaces whatever the site had). Applied once the data resources and the
// role assignments exist, so the host, which starts with these settings, finds and can reach everything.
resource functionAppSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: appSettings
  dependsOn: [
    eventsContainer
    projectionsContainer
    leasesContainer
    poisonQueue
    rebuildQueue
    rebuildPoisonQueue
    appCosmosData
    appBlobOwner
    appQueueContributor
    appMetricsPublisher
  ]
}

// No publishing passwords: deployments authenticate with Entra ID.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// ---------------------------------------------------------------------------------------------------
// Role assignments for the app's system-assigned identity (and optionally the deploying principal)
// ---------------------------------------------------------------------------------------------------

resource appCosmosData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = {
  parent: cosmos
  name: guid(cosmos.id, functionApp.id, cosmosDataContributorRoleId)
  properties: {
    principalId: functionApp.identity.principalId
    roleDefinitionId: cosmosDataContributor.id
    scope: cosmos.id
  }
}

// Host storage and the Flex deployment package.
resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, roleIds.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Host queues, the poison queue and the rebuild queue (its trigger reads, deletes and moves messages to its poison queue).
resource appQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, roleIds.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Entra-authenticated telemetry ingestion.
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, functionApp.id, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The deploying principal may read and write data (Data Explorer, the poison queue, local debugging
// against Azure). Nothing is granted when principalId is empty.
resource userCosmosData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = if (!empty(principalId)) {
  parent: cosmos
  name: guid(cosmos.id, principalId, cosmosDataContributorRoleId)
  properties: {
    principalId: principalId
    roleDefinitionId: cosmosDataContributor.id
    scope: cosmos.id
  }
}

resource userQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(storage.id, principalId, roleIds.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: principalId
    principalType: principalType
  }
}

// ---------------------------------------------------------------------------------------------------
// Outputs (azd stores them in .azure/<env>/.env). Names and endpoints only, never a key.
// ---------------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_FUNCTION_APP_NAME string = functionApp.name
output SERVICE_API_NAME string = functionApp.name
output API_BASE_URL string = 'https://${functionApp.properties.defaultHostName}/api'
output COSMOS_ENDPOINT string = cosmos.properties.documentEndpoint
output COSMOS_DATABASE_NAME string = databaseName
output AZURE_STORAGE_ACCOUNT_NAME string = storage.name
output APPLICATIONINSIGHTS_NAME string = appInsights.name
