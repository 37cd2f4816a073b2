//! The questions the model benchmarks time: short and long, zh-TW and English,
//! as citizens ask them.

pub const QUESTIONS: [&str; 8] = [
    "失業了，該怎麼辦？",
    "I lost my job last week, can I get unemployment benefit?",
    "媽媽中風需要長照，有什麼補助？",
    "My rent is too high, is there a subsidy for young tenants?",
    "孩子兩歲，托育補助怎麼申請？",
    "卡債快還不出來了，可以協商嗎",
    "I'm pregnant and not insured, what help is there?",
    "工作時受傷，職災可以領什麼？",
];
