//! One contract for both vector-index backends, so they cannot drift: the
//! in-process exact index always, Qdrant when `QDRANT_URL` names a server
//! (its gRPC port); without it the Qdrant half prints a notice and skips.

use mydata_navigator::index::{
    ExactIndex, Filter, Hit, IndexError, Item, Payload, QdrantIndex, VectorIndex,
};

const DIM: usize = 4;

fn unit(v: [f32; DIM]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

fn item(
    id: &str,
    v: [f32; DIM],
    needs: &[&str],
    regions: &[&str],
    channels: &[&str],
    kind: &str,
) -> Item {
    let strings = |xs: &[&str]| xs.iter().map(|x| (*x).to_owned()).collect();
    Item {
        id: id.to_owned(),
        vector: unit(v),
        payload: Payload {
            needs: strings(needs),
            regions: strings(regions),
            channels: strings(channels),
            provider_type: kind.to_owned(),
        },
    }
}

fn catalogue() -> Vec<Item> {
    vec![
        // Two vectors for one item (its two languages): one hit, the better.
        item(
            "jobs",
            [1.0, 0.0, 0.0, 0.0],
            &["job_search"],
            &[],
            &["online", "counter"],
            "public",
        ),
        item(
            "jobs",
            [0.9, 0.3, 0.0, 0.0],
            &["job_search"],
            &[],
            &["online", "counter"],
            "public",
        ),
        item(
            "training",
            [0.7, 0.7, 0.0, 0.0],
            &["vocational_training", "job_search"],
            &[],
            &["counter"],
            "public",
        ),
        item(
            "taipei_rent",
            [0.0, 1.0, 0.0, 0.0],
            &["housing"],
            &["臺北市"],
            &["online"],
            "public",
        ),
        item(
            "ngo_food",
            [0.0, 0.0, 1.0, 0.0],
            &["emergency_relief"],
            &["高雄市", "屏東縣"],
            &["phone"],
            "ngo",
        ),
        item(
            "bank_loan",
            [0.0, 0.0, 0.0, 1.0],
            &["entrepreneurship"],
            &[],
            &["online"],
            "private",
        ),
        // Same vector as bank_loan: ties go by id.
        item(
            "angel_fund",
            [0.0, 0.0, 0.0, 1.0],
            &["entrepreneurship"],
            &[],
            &["online"],
            "private",
        ),
    ]
}

fn ids(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.id.as_str()).collect()
}

async fn contract(index: &dyn VectorIndex) {
    index.replace(catalogue()).await.unwrap();
    let query = unit([1.0, 0.1, 0.0, 0.0]);

    let all = index.search(&query, 10, &Filter::default()).await.unwrap();
    assert_eq!(all.len(), 6, "one hit per item: {all:?}");
    assert_eq!(ids(&all)[..2], ["jobs", "training"]);
    assert!(
        all.windows(2).all(|w| w[0].score >= w[1].score),
        "best first: {all:?}"
    );
    let jobs_best = unit([0.9, 0.3, 0.0, 0.0])
        .iter()
        .zip(&query)
        .map(|(a, b)| a * b)
        .sum::<f32>()
        .max(
            unit([1.0, 0.0, 0.0, 0.0])
                .iter()
                .zip(&query)
                .map(|(a, b)| a * b)
                .sum(),
        );
    assert!(
        (all[0].score - jobs_best).abs() < 1e-4,
        "{} vs {jobs_best}",
        all[0].score
    );
    let ties = index
        .search(&unit([0.0, 0.0, 0.0, 1.0]), 2, &Filter::default())
        .await
        .unwrap();
    assert_eq!(ids(&ties), ["angel_fund", "bank_loan"], "ties by id");

    assert_eq!(
        index
            .search(&query, 2, &Filter::default())
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        index
            .search(&query, 0, &Filter::default())
            .await
            .unwrap()
            .is_empty()
    );

    let by_need = Filter {
        needs: vec!["vocational_training".into(), "housing".into()],
        ..Filter::default()
    };
    let found = index.search(&query, 10, &by_need).await.unwrap();
    assert_eq!(ids(&found), ["training", "taipei_rent"]);

    // A city sees its own services and nationwide ones, not another city's.
    let in_kaohsiung = Filter {
        region: Some("高雄市".into()),
        ..Filter::default()
    };
    let found = index.search(&query, 10, &in_kaohsiung).await.unwrap();
    assert!(ids(&found).contains(&"ngo_food"));
    assert!(!ids(&found).contains(&"taipei_rent"));
    assert!(ids(&found).contains(&"jobs"));

    let by_phone = Filter {
        channels: vec!["phone".into()],
        ..Filter::default()
    };
    assert_eq!(
        ids(&index.search(&query, 10, &by_phone).await.unwrap()),
        ["ngo_food"]
    );

    let private = Filter {
        provider_types: vec!["private".into(), "ngo".into()],
        region: Some("臺北市".into()),
        ..Filter::default()
    };
    let found = index.search(&query, 10, &private).await.unwrap();
    let mut names = ids(&found);
    names.sort_unstable();
    assert_eq!(names, ["angel_fund", "bank_loan"], "filters combine");

    assert!(matches!(
        index.search(&[1.0, 0.0], 3, &Filter::default()).await,
        Err(IndexError::Dimension { want: DIM, got: 2 })
    ));
    let mut bad = catalogue();
    bad[3].vector = vec![1.0];
    assert!(index.replace(bad).await.is_err());
    let kept = index.search(&query, 10, &Filter::default()).await.unwrap();
    assert_eq!(kept.len(), 6, "a refused replacement changes nothing");

    // Replacing drops what was there before.
    index
        .replace(vec![item(
            "only",
            [0.0, 1.0, 0.0, 0.0],
            &["housing"],
            &[],
            &["online"],
            "public",
        )])
        .await
        .unwrap();
    let found = index.search(&query, 10, &Filter::default()).await.unwrap();
    assert_eq!(ids(&found), ["only"]);
}

#[tokio::test]
async fn the_exact_index_keeps_the_contract() {
    contract(&ExactIndex::new(DIM)).await;
}

#[tokio::test]
async fn the_qdrant_index_keeps_the_contract() {
    let Ok(url) = std::env::var("QDRANT_URL") else {
        eprintln!("notice: QDRANT_URL is not set; the Qdrant backend's contract test is skipped");
        return;
    };
    let collection = format!("navigator_contract_{}", uuid::Uuid::new_v4().simple());
    let index = QdrantIndex::connect(&url, &collection, DIM).unwrap();
    contract(&index).await;
    index.remove().await.unwrap();
}
