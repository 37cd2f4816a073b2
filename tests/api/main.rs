//! Integration tests through real HTTP over loopback and the real CLI, each
//! store test on SQLite and on PostgreSQL.

mod assistant;
mod assistant_consent;
mod attacks;
mod audit;
mod bad_input;
mod broker;
mod browser;
mod casework;
mod casework_consent;
mod casework_queue;
mod casework_referrals;
mod catalog;
mod catalog_api;
mod citizen_card;
mod citizens;
mod counter;
mod helpers;
mod identity;
mod index_contract;
mod model_files;
mod passkeys;
mod providers;
mod recommend;
mod recommend_api;
mod session;
mod transfer;
mod understand;
mod web_agency;
mod web_chat;
mod web_login;
mod web_me;
mod web_staff;
