//! The bundled synthetic datasets are exactly what the documented model makes.

#[path = "../../examples/make_datasets/model.rs"]
#[allow(dead_code, unreachable_pub)]
mod model;

#[test]
fn bundled_datasets_match_the_generator() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets");
    for (name, expected) in model::bundled() {
        let on_disk = std::fs::read_to_string(root.join(name)).unwrap();
        assert!(
            on_disk == expected,
            "datasets/{name} differs from the model: regenerate it"
        );
    }
}

#[test]
fn the_model_shows_its_smoking_effect() {
    // Not a test of the statistics code: a check that the data carry the
    // documented effect, so the demo can show it (6 mmHg, noise 11 mmHg).
    let people = model::population(20261128, 9000);
    let mean = |smoker: bool| {
        let v: Vec<f64> = people
            .iter()
            .filter(|p| p.smoker == smoker)
            .map(|p| p.sbp)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let diff = mean(true) - mean(false);
    assert!((4.5..7.5).contains(&diff), "smoker effect {diff}");
}
