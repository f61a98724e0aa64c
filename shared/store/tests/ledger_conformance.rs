//! The ledger conformance suite against the embedded ledger and DynamoDB (moto's server).

gridlink_store::ledger_conformance!(
    sqlite,
    "ledger/sqlite",
    gridlink_store::testing::sqlite_ledger
);
gridlink_store::ledger_conformance!(
    dynamodb,
    "ledger/dynamodb",
    gridlink_store::testing::dynamo_ledger
);
