//! Which language a message is written in, as far as the platform answers:
//! Traditional Chinese or English. Mixed messages go by the script that
//! carries more of the text.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Language {
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZhTw => "zh-TW",
            Self::En => "en",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "zh-TW" => Some(Self::ZhTw),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

fn is_han_or_bopomofo(c: char) -> bool {
    matches!(c as u32,
        0x3100..=0x312F      // Bopomofo, common in Taiwanese chat
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0x20000..=0x2FA1F) // supplementary planes
}

/// One Han character carries about as much as an English word, so each
/// counts as five Latin letters.
pub fn detect(text: &str) -> Language {
    let han = text.chars().filter(|c| is_han_or_bopomofo(*c)).count();
    let latin = text.chars().filter(char::is_ascii_alphabetic).count();
    if han * 5 >= latin && han > 0 {
        Language::ZhTw
    } else {
        Language::En
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_dominant_script() {
        assert_eq!(detect("失業了，該怎麼辦？"), Language::ZhTw);
        assert_eq!(detect("I lost my job, what should I do?"), Language::En);
        assert_eq!(detect("我想申請 unemployment benefit"), Language::ZhTw);
        assert_eq!(
            detect("How do I apply for 低收入戶 status in Taipei?"),
            Language::En
        );
        assert_eq!(detect("ㄅㄆㄇ"), Language::ZhTw);
        assert_eq!(detect("123 !!!"), Language::En);
    }
}
