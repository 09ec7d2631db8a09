# Creates the database and containers of infra/main.bicep in the Cosmos DB Linux emulator
# (docker-compose.yml runs every .csh file here on first start). The app never creates them itself.
# Indexing policies are not applied: the emulator accepts them as a no-op.
mkdb inventory
mkcon events /inventoryId --database=inventory
mkcon projections /inventoryId --database=inventory
mkcon leases /id --database=inventory
