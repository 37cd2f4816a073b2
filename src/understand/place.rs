//! Where the citizen says they are: a city or county named in the message,
//! written as household registration writes it (臺北市, 新竹縣). Used where
//! a record would give the city but none is held yet (vacancies nearby).

/// (how household registration writes it, other ways people write it).
const PLACES: [(&str, &[&str]); 22] = [
    ("臺北市", &["台北", "臺北", "taipei"]),
    ("新北市", &["新北", "new taipei"]),
    ("桃園市", &["桃園", "taoyuan"]),
    ("臺中市", &["台中", "臺中", "taichung"]),
    ("臺南市", &["台南", "臺南", "tainan"]),
    ("高雄市", &["高雄", "kaohsiung"]),
    ("基隆市", &["基隆", "keelung"]),
    ("新竹市", &["新竹市", "hsinchu city"]),
    ("新竹縣", &["新竹縣", "竹北", "hsinchu county"]),
    ("苗栗縣", &["苗栗", "miaoli"]),
    ("彰化縣", &["彰化", "changhua"]),
    ("南投縣", &["南投", "nantou"]),
    ("雲林縣", &["雲林", "yunlin"]),
    ("嘉義市", &["嘉義市", "chiayi city"]),
    ("嘉義縣", &["嘉義縣", "chiayi county"]),
    ("屏東縣", &["屏東", "pingtung"]),
    ("宜蘭縣", &["宜蘭", "yilan"]),
    ("花蓮縣", &["花蓮", "hualien"]),
    ("臺東縣", &["台東", "臺東", "taitung"]),
    ("澎湖縣", &["澎湖", "penghu"]),
    ("金門縣", &["金門", "kinmen"]),
    ("連江縣", &["連江", "馬祖", "matsu"]),
];

/// The first city or county the text names, as registration writes it.
/// "New Taipei" is checked before "Taipei", "新北" before "台北".
pub fn named_in(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    PLACES
        .iter()
        .filter_map(|(city, ways)| {
            ways.iter()
                .filter_map(|way| lower.find(way).map(|at| (at, way.len())))
                .min()
                .map(|found| (found, *city))
        })
        // Earliest mention; of two at one place, the longer name.
        .min_by(|((a, a_len), _), ((b, b_len), _)| a.cmp(b).then(b_len.cmp(a_len)))
        .map(|(_, city)| city)
}

#[cfg(test)]
mod tests {
    use super::named_in;

    #[test]
    fn names_are_read_as_registration_writes_them() {
        assert_eq!(named_in("我住台中，想找工作"), Some("臺中市"));
        assert_eq!(named_in("I live in New Taipei"), Some("新北市"));
        assert_eq!(named_in("looking for work in Taipei"), Some("臺北市"));
        assert_eq!(named_in("新竹縣竹北的工作"), Some("新竹縣"));
        assert_eq!(named_in("失業了，該怎麼辦？"), None);
    }
}
