//! What a message says about the person writing it, where a record would
//! say it but none is held: their gender, from how they name their partner
//! or themselves ("老公", "my wife", "案主，女", "34F"). A partner named
//! bare ("前夫") is taken as the writer's own: wrong now and then, and
//! then only a line meant for others is left out. Used only to keep
//! a service meant for others (a men's line) from being offered; never to
//! decide a right.

/// Phrases that say the writer is a woman (F) or a man (M).
const SAYS: [(&str, &[&str]); 2] = [
    (
        "F",
        &[
            "老公",
            "我先生",
            "丈夫",
            "前夫",
            "我男友",
            "我男朋友",
            "阮翁",
            "阮尪",
            "先生過世",
            "我是女生",
            "我是女性",
            "我是媽媽",
            "單親媽媽",
            "嫁過來",
            "嫁來台灣",
            "嫁到台灣",
            "案主，女",
            "案主,女",
            "案主女",
            "my husband",
            "my ex-husband",
            "my boyfriend",
            "i'm a woman",
            "i am a woman",
            "i'm a mother",
            "single mum",
            "single mom",
        ],
    ),
    (
        "M",
        &[
            "老婆",
            "我太太",
            "妻子",
            "前妻",
            "我女友",
            "我女朋友",
            "阮某",
            "太太過世",
            "我是男生",
            "我是男性",
            "單親爸爸",
            "案主，男",
            "案主,男",
            "案主男",
            "my wife",
            "my ex-wife",
            "my girlfriend",
            "i'm a man",
            "i am a man",
            "i'm a father",
            "single dad",
        ],
    ),
];

/// The writer's gender as registration writes it ("F", "M"), when the
/// message says it and says nothing to the contrary.
pub fn gender(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let case_note = case_note_gender(&lower);
    let said: Vec<&str> = SAYS
        .iter()
        .filter(|(_, phrases)| phrases.iter().any(|p| lower.contains(p)))
        .map(|(gender, _)| *gender)
        .chain(case_note)
        .collect();
    match said.as_slice() {
        [one, rest @ ..] if rest.iter().all(|g| g == one) => Some(one),
        _ => None,
    }
}

/// A case note's "34F" or "57M": two digits and the letter, as a token.
fn case_note_gender(lower: &str) -> Option<&'static str> {
    let chars: Vec<char> = lower.chars().collect();
    let apart = |at: Option<&char>| at.is_none_or(|c| !c.is_alphanumeric());
    (0..chars.len().saturating_sub(2)).find_map(|i| {
        let token = chars[i].is_ascii_digit()
            && chars[i + 1].is_ascii_digit()
            && matches!(chars[i + 2], 'f' | 'm')
            && apart(i.checked_sub(1).and_then(|p| chars.get(p)))
            && apart(chars.get(i + 3));
        token.then_some(if chars[i + 2] == 'f' { "F" } else { "M" })
    })
}

#[cfg(test)]
mod tests {
    use super::gender;

    #[test]
    fn the_writer_says_who_they_are() {
        assert_eq!(gender("我老公喝醉就打我"), Some("F"));
        assert_eq!(gender("我太太過世了，一個人帶兩個孩子"), Some("M"));
        assert_eq!(gender("Client, 34F, two children"), Some("F"));
        assert_eq!(gender("Client 57M, laid off"), Some("M"));
        assert_eq!(gender("失業了，該怎麼辦？"), None);
        // Both said: nothing is concluded.
        assert_eq!(gender("我老公和我老婆"), None);
    }
}
