fn main() {
    // The app's own commands get permissions (allow-notify, ...), so that a capability can give a
    // daemon's page (a remote origin) the notification command and nothing else.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "list_daemons",
            "connect",
            "forget_token",
            "notify",
        ]),
    ))
    .expect("tauri-build failed");
}
