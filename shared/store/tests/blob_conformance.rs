//! The blob conformance suite against the filesystem store and S3 (moto's server).

gridlink_store::blob_conformance!(
    filesystem,
    "blob/filesystem",
    gridlink_store::testing::fs_blobs
);
gridlink_store::blob_conformance!(s3, "blob/s3", gridlink_store::testing::s3_blobs);
