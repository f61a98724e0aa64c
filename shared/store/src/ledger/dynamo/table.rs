//! Creating the ledger table (tests and local tooling; the SAM template does it in AWS).

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};

use super::expr::{backend, build_error};
use super::item::attr;
use crate::ledger::LedgerError;

/// Names of the two global secondary indexes.
pub const GSI1: &str = "gsi1";
/// See [`GSI1`].
pub const GSI2: &str = "gsi2";

/// Creates the ledger table as `docs/storage.md` describes it (on-demand billing, GSIs
/// `gsi1`/`gsi2` projecting all attributes, TTL on `expires_at_epoch`) unless it exists,
/// and waits until it is active.
pub async fn ensure_table(client: &Client, table: &str) -> Result<(), LedgerError> {
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .map_err(|e| build_error("ensure_table", e))
    };
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest);
    for name in [
        attr::PK,
        attr::SK,
        attr::GSI1PK,
        attr::GSI1SK,
        attr::GSI2PK,
        attr::GSI2SK,
    ] {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| build_error("ensure_table", e))?,
        );
    }
    request = request
        .key_schema(key(attr::PK, KeyType::Hash)?)
        .key_schema(key(attr::SK, KeyType::Range)?);
    for (index, pk, sk) in [
        (GSI1, attr::GSI1PK, attr::GSI1SK),
        (GSI2, attr::GSI2PK, attr::GSI2SK),
    ] {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index)
                .key_schema(key(pk, KeyType::Hash)?)
                .key_schema(key(sk, KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(|e| build_error("ensure_table", e))?,
        );
    }
    match request.send().await {
        Ok(_) => tracing::info!(table, "ledger table created"),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(CreateTableError::is_resource_in_use_exception) => {}
        Err(error) => return Err(backend("ensure_table", error)),
    }
    wait_until_active(client, table).await?;
    let ttl = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| backend("ensure_table", e))?;
    let enabled = ttl.time_to_live_description().is_some_and(|d| {
        matches!(
            d.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        ) && d.attribute_name() == Some(attr::EXPIRES_AT_EPOCH)
    });
    if !enabled {
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(attr::EXPIRES_AT_EPOCH)
                    .build()
                    .map_err(|e| build_error("ensure_table", e))?,
            )
            .send()
            .await
            .map_err(|e| backend("ensure_table", e))?;
    }
    Ok(())
}

async fn wait_until_active(client: &Client, table: &str) -> Result<(), LedgerError> {
    for _ in 0..300 {
        let described = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| backend("ensure_table", e))?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(LedgerError::Backend {
        operation: "ensure_table",
        transient: true,
        source: format!("table {table} did not become active within 60 s").into(),
    })
}
