//! The cold-start baseline (`benches/cold_start.rs`): the smallest `lambda_runtime` function,
//! built with the same profile as the functions it is compared with. It answers every event
//! with the event.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(event.payload)
    }))
    .await
}
