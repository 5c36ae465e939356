//! The country table: ISO 3166-1 codes, names and UN M49 regions, with lookups and a
//! "did you mean" suggestion for unknown codes.
//!
//! Source of the facts: the UN Statistics Division's "Standard country or area codes for
//! statistical use (M49)" overview, as republished with ISO 3166 codes by
//! github.com/datasets/country-codes (ODC-PDDL), file `country-codes.csv` (snapshot caa72d1,
//! kept in ../shared/data/countries/country_codes_m49_ldc.csv). The Rust rows below were
//! generated once from that file (iso3, iso_numeric, official_name_en, i.e. the M49 English name,
//! region_name, subregion_name) and are
//! facts, not code. Crates checked first: `isocountry` and `celes` carry no M49 regions;
//! `keshvar` does, but through ~250 cargo features and a large generated build, which costs more
//! than this 250-row table on a 2-core build machine.
//!
//! Region and sub-region follow M49: "Sub-Saharan Africa" and "Latin America and the Caribbean"
//! are sub-regions (their intermediate regions, e.g. "Eastern Africa", are not kept here).
//! Antarctica has no M49 region (empty strings).

use std::collections::HashMap;
use std::sync::OnceLock;

/// One country or area of ISO 3166-1 with its UN M49 region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-3 code, upper case (e.g. `ZAF`).
    pub iso3: &'static str,
    /// ISO 3166-1 numeric code (equal to the M49 code for countries), e.g. 710.
    pub iso_numeric: u16,
    /// English name as in the M49 overview (e.g. "United States of America").
    pub name: &'static str,
    /// M49 region: Africa, Americas, Asia, Europe or Oceania (empty for Antarctica).
    pub region: &'static str,
    /// M49 sub-region, e.g. "Sub-Saharan Africa", "Southern Asia".
    pub subregion: &'static str,
}

const fn c(
    iso3: &'static str,
    iso_numeric: u16,
    name: &'static str,
    region: &'static str,
    subregion: &'static str,
) -> Country {
    Country {
        iso3,
        iso_numeric,
        name,
        region,
        subregion,
    }
}

/// Every country and area, sorted by ISO3 (generated from the M49 overview; see module docs).
static COUNTRIES: &[Country] = &[
    c(
        "ABW",
        533,
        "Aruba",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("AFG", 4, "Afghanistan", "Asia", "Southern Asia"),
    c("AGO", 24, "Angola", "Africa", "Sub-Saharan Africa"),
    c(
        "AIA",
        660,
        "Anguilla",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("ALA", 248, "Åland Islands", "Europe", "Northern Europe"),
    c("ALB", 8, "Albania", "Europe", "Southern Europe"),
    c("AND", 20, "Andorra", "Europe", "Southern Europe"),
    c("ARE", 784, "United Arab Emirates", "Asia", "Western Asia"),
    c(
        "ARG",
        32,
        "Argentina",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("ARM", 51, "Armenia", "Asia", "Western Asia"),
    c("ASM", 16, "American Samoa", "Oceania", "Polynesia"),
    c("ATA", 10, "Antarctica", "", ""),
    c(
        "ATF",
        260,
        "French Southern Territories",
        "Africa",
        "Sub-Saharan Africa",
    ),
    c(
        "ATG",
        28,
        "Antigua and Barbuda",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "AUS",
        36,
        "Australia",
        "Oceania",
        "Australia and New Zealand",
    ),
    c("AUT", 40, "Austria", "Europe", "Western Europe"),
    c("AZE", 31, "Azerbaijan", "Asia", "Western Asia"),
    c("BDI", 108, "Burundi", "Africa", "Sub-Saharan Africa"),
    c("BEL", 56, "Belgium", "Europe", "Western Europe"),
    c("BEN", 204, "Benin", "Africa", "Sub-Saharan Africa"),
    c(
        "BES",
        535,
        "Bonaire, Sint Eustatius and Saba",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("BFA", 854, "Burkina Faso", "Africa", "Sub-Saharan Africa"),
    c("BGD", 50, "Bangladesh", "Asia", "Southern Asia"),
    c("BGR", 100, "Bulgaria", "Europe", "Eastern Europe"),
    c("BHR", 48, "Bahrain", "Asia", "Western Asia"),
    c(
        "BHS",
        44,
        "Bahamas",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "BIH",
        70,
        "Bosnia and Herzegovina",
        "Europe",
        "Southern Europe",
    ),
    c(
        "BLM",
        652,
        "Saint Barthélemy",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("BLR", 112, "Belarus", "Europe", "Eastern Europe"),
    c(
        "BLZ",
        84,
        "Belize",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("BMU", 60, "Bermuda", "Americas", "Northern America"),
    c(
        "BOL",
        68,
        "Bolivia (Plurinational State of)",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "BRA",
        76,
        "Brazil",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "BRB",
        52,
        "Barbados",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("BRN", 96, "Brunei Darussalam", "Asia", "South-eastern Asia"),
    c("BTN", 64, "Bhutan", "Asia", "Southern Asia"),
    c(
        "BVT",
        74,
        "Bouvet Island",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("BWA", 72, "Botswana", "Africa", "Sub-Saharan Africa"),
    c(
        "CAF",
        140,
        "Central African Republic",
        "Africa",
        "Sub-Saharan Africa",
    ),
    c("CAN", 124, "Canada", "Americas", "Northern America"),
    c(
        "CCK",
        166,
        "Cocos (Keeling) Islands",
        "Oceania",
        "Australia and New Zealand",
    ),
    c("CHE", 756, "Switzerland", "Europe", "Western Europe"),
    c(
        "CHL",
        152,
        "Chile",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("CHN", 156, "China", "Asia", "Eastern Asia"),
    c("CIV", 384, "Ivory Coast", "Africa", "Sub-Saharan Africa"),
    c("CMR", 120, "Cameroon", "Africa", "Sub-Saharan Africa"),
    c(
        "COD",
        180,
        "Democratic Republic of the Congo",
        "Africa",
        "Sub-Saharan Africa",
    ),
    c("COG", 178, "Congo", "Africa", "Sub-Saharan Africa"),
    c("COK", 184, "Cook Islands", "Oceania", "Polynesia"),
    c(
        "COL",
        170,
        "Colombia",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("COM", 174, "Comoros", "Africa", "Sub-Saharan Africa"),
    c("CPV", 132, "Cabo Verde", "Africa", "Sub-Saharan Africa"),
    c(
        "CRI",
        188,
        "Costa Rica",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "CUB",
        192,
        "Cuba",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "CUW",
        531,
        "Curaçao",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "CXR",
        162,
        "Christmas Island",
        "Oceania",
        "Australia and New Zealand",
    ),
    c(
        "CYM",
        136,
        "Cayman Islands",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("CYP", 196, "Cyprus", "Asia", "Western Asia"),
    c("CZE", 203, "Czechia", "Europe", "Eastern Europe"),
    c("DEU", 276, "Germany", "Europe", "Western Europe"),
    c("DJI", 262, "Djibouti", "Africa", "Sub-Saharan Africa"),
    c(
        "DMA",
        212,
        "Dominica",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("DNK", 208, "Denmark", "Europe", "Northern Europe"),
    c(
        "DOM",
        214,
        "Dominican Republic",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("DZA", 12, "Algeria", "Africa", "Northern Africa"),
    c(
        "ECU",
        218,
        "Ecuador",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("EGY", 818, "Egypt", "Africa", "Northern Africa"),
    c("ERI", 232, "Eritrea", "Africa", "Sub-Saharan Africa"),
    c("ESH", 732, "Western Sahara", "Africa", "Northern Africa"),
    c("ESP", 724, "Spain", "Europe", "Southern Europe"),
    c("EST", 233, "Estonia", "Europe", "Northern Europe"),
    c("ETH", 231, "Ethiopia", "Africa", "Sub-Saharan Africa"),
    c("FIN", 246, "Finland", "Europe", "Northern Europe"),
    c("FJI", 242, "Fiji", "Oceania", "Melanesia"),
    c(
        "FLK",
        238,
        "Falkland Islands",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("FRA", 250, "France", "Europe", "Western Europe"),
    c("FRO", 234, "Faroe Islands", "Europe", "Northern Europe"),
    c(
        "FSM",
        583,
        "Micronesia (Federated States of)",
        "Oceania",
        "Micronesia",
    ),
    c("GAB", 266, "Gabon", "Africa", "Sub-Saharan Africa"),
    c(
        "GBR",
        826,
        "United Kingdom of Great Britain and Northern Ireland",
        "Europe",
        "Northern Europe",
    ),
    c("GEO", 268, "Georgia", "Asia", "Western Asia"),
    c("GGY", 831, "Guernsey", "Europe", "Northern Europe"),
    c("GHA", 288, "Ghana", "Africa", "Sub-Saharan Africa"),
    c("GIB", 292, "Gibraltar", "Europe", "Southern Europe"),
    c("GIN", 324, "Guinea", "Africa", "Sub-Saharan Africa"),
    c(
        "GLP",
        312,
        "Guadeloupe",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("GMB", 270, "Gambia", "Africa", "Sub-Saharan Africa"),
    c("GNB", 624, "Guinea-Bissau", "Africa", "Sub-Saharan Africa"),
    c(
        "GNQ",
        226,
        "Equatorial Guinea",
        "Africa",
        "Sub-Saharan Africa",
    ),
    c("GRC", 300, "Greece", "Europe", "Southern Europe"),
    c(
        "GRD",
        308,
        "Grenada",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("GRL", 304, "Greenland", "Americas", "Northern America"),
    c(
        "GTM",
        320,
        "Guatemala",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "GUF",
        254,
        "French Guiana",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("GUM", 316, "Guam", "Oceania", "Micronesia"),
    c(
        "GUY",
        328,
        "Guyana",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "HKG",
        344,
        "China, Hong Kong Special Administrative Region",
        "Asia",
        "Eastern Asia",
    ),
    c(
        "HMD",
        334,
        "Heard Island and McDonald Islands",
        "Oceania",
        "Australia and New Zealand",
    ),
    c(
        "HND",
        340,
        "Honduras",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("HRV", 191, "Croatia", "Europe", "Southern Europe"),
    c(
        "HTI",
        332,
        "Haiti",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("HUN", 348, "Hungary", "Europe", "Eastern Europe"),
    c("IDN", 360, "Indonesia", "Asia", "South-eastern Asia"),
    c("IMN", 833, "Isle of Man", "Europe", "Northern Europe"),
    c("IND", 356, "India", "Asia", "Southern Asia"),
    c(
        "IOT",
        86,
        "British Indian Ocean Territory",
        "Africa",
        "Sub-Saharan Africa",
    ),
    c("IRL", 372, "Ireland", "Europe", "Northern Europe"),
    c(
        "IRN",
        364,
        "Iran (Islamic Republic of)",
        "Asia",
        "Southern Asia",
    ),
    c("IRQ", 368, "Iraq", "Asia", "Western Asia"),
    c("ISL", 352, "Iceland", "Europe", "Northern Europe"),
    c("ISR", 376, "Israel", "Asia", "Western Asia"),
    c("ITA", 380, "Italy", "Europe", "Southern Europe"),
    c(
        "JAM",
        388,
        "Jamaica",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("JEY", 832, "Jersey", "Europe", "Northern Europe"),
    c("JOR", 400, "Jordan", "Asia", "Western Asia"),
    c("JPN", 392, "Japan", "Asia", "Eastern Asia"),
    c("KAZ", 398, "Kazakhstan", "Asia", "Central Asia"),
    c("KEN", 404, "Kenya", "Africa", "Sub-Saharan Africa"),
    c("KGZ", 417, "Kyrgyzstan", "Asia", "Central Asia"),
    c("KHM", 116, "Cambodia", "Asia", "South-eastern Asia"),
    c("KIR", 296, "Kiribati", "Oceania", "Micronesia"),
    c(
        "KNA",
        659,
        "Saint Kitts and Nevis",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("KOR", 410, "Republic of Korea", "Asia", "Eastern Asia"),
    c("KWT", 414, "Kuwait", "Asia", "Western Asia"),
    c(
        "LAO",
        418,
        "Lao People's Democratic Republic",
        "Asia",
        "South-eastern Asia",
    ),
    c("LBN", 422, "Lebanon", "Asia", "Western Asia"),
    c("LBR", 430, "Liberia", "Africa", "Sub-Saharan Africa"),
    c("LBY", 434, "Libya", "Africa", "Northern Africa"),
    c(
        "LCA",
        662,
        "Saint Lucia",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("LIE", 438, "Liechtenstein", "Europe", "Western Europe"),
    c("LKA", 144, "Sri Lanka", "Asia", "Southern Asia"),
    c("LSO", 426, "Lesotho", "Africa", "Sub-Saharan Africa"),
    c("LTU", 440, "Lithuania", "Europe", "Northern Europe"),
    c("LUX", 442, "Luxembourg", "Europe", "Western Europe"),
    c("LVA", 428, "Latvia", "Europe", "Northern Europe"),
    c(
        "MAC",
        446,
        "China, Macao Special Administrative Region",
        "Asia",
        "Eastern Asia",
    ),
    c(
        "MAF",
        663,
        "Saint Martin (French Part)",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("MAR", 504, "Morocco", "Africa", "Northern Africa"),
    c("MCO", 492, "Monaco", "Europe", "Western Europe"),
    c(
        "MDA",
        498,
        "Republic of Moldova",
        "Europe",
        "Eastern Europe",
    ),
    c("MDG", 450, "Madagascar", "Africa", "Sub-Saharan Africa"),
    c("MDV", 462, "Maldives", "Asia", "Southern Asia"),
    c(
        "MEX",
        484,
        "Mexico",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("MHL", 584, "Marshall Islands", "Oceania", "Micronesia"),
    c("MKD", 807, "North Macedonia", "Europe", "Southern Europe"),
    c("MLI", 466, "Mali", "Africa", "Sub-Saharan Africa"),
    c("MLT", 470, "Malta", "Europe", "Southern Europe"),
    c("MMR", 104, "Myanmar", "Asia", "South-eastern Asia"),
    c("MNE", 499, "Montenegro", "Europe", "Southern Europe"),
    c("MNG", 496, "Mongolia", "Asia", "Eastern Asia"),
    c(
        "MNP",
        580,
        "Northern Mariana Islands",
        "Oceania",
        "Micronesia",
    ),
    c("MOZ", 508, "Mozambique", "Africa", "Sub-Saharan Africa"),
    c("MRT", 478, "Mauritania", "Africa", "Sub-Saharan Africa"),
    c(
        "MSR",
        500,
        "Montserrat",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "MTQ",
        474,
        "Martinique",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("MUS", 480, "Mauritius", "Africa", "Sub-Saharan Africa"),
    c("MWI", 454, "Malawi", "Africa", "Sub-Saharan Africa"),
    c("MYS", 458, "Malaysia", "Asia", "South-eastern Asia"),
    c("MYT", 175, "Mayotte", "Africa", "Sub-Saharan Africa"),
    c("NAM", 516, "Namibia", "Africa", "Sub-Saharan Africa"),
    c("NCL", 540, "New Caledonia", "Oceania", "Melanesia"),
    c("NER", 562, "Niger", "Africa", "Sub-Saharan Africa"),
    c(
        "NFK",
        574,
        "Norfolk Island",
        "Oceania",
        "Australia and New Zealand",
    ),
    c("NGA", 566, "Nigeria", "Africa", "Sub-Saharan Africa"),
    c(
        "NIC",
        558,
        "Nicaragua",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("NIU", 570, "Niue", "Oceania", "Polynesia"),
    c("NLD", 528, "Netherlands", "Europe", "Western Europe"),
    c("NOR", 578, "Norway", "Europe", "Northern Europe"),
    c("NPL", 524, "Nepal", "Asia", "Southern Asia"),
    c("NRU", 520, "Nauru", "Oceania", "Micronesia"),
    c(
        "NZL",
        554,
        "New Zealand",
        "Oceania",
        "Australia and New Zealand",
    ),
    c("OMN", 512, "Oman", "Asia", "Western Asia"),
    c("PAK", 586, "Pakistan", "Asia", "Southern Asia"),
    c(
        "PAN",
        591,
        "Panama",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("PCN", 612, "Pitcairn", "Oceania", "Polynesia"),
    c(
        "PER",
        604,
        "Peru",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("PHL", 608, "Philippines", "Asia", "South-eastern Asia"),
    c("PLW", 585, "Palau", "Oceania", "Micronesia"),
    c("PNG", 598, "Papua New Guinea", "Oceania", "Melanesia"),
    c("POL", 616, "Poland", "Europe", "Eastern Europe"),
    c(
        "PRI",
        630,
        "Puerto Rico",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "PRK",
        408,
        "Democratic People's Republic of Korea",
        "Asia",
        "Eastern Asia",
    ),
    c("PRT", 620, "Portugal", "Europe", "Southern Europe"),
    c(
        "PRY",
        600,
        "Paraguay",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("PSE", 275, "State of Palestine", "Asia", "Western Asia"),
    c("PYF", 258, "French Polynesia", "Oceania", "Polynesia"),
    c("QAT", 634, "Qatar", "Asia", "Western Asia"),
    c("REU", 638, "Réunion", "Africa", "Sub-Saharan Africa"),
    c("ROU", 642, "Romania", "Europe", "Eastern Europe"),
    c("RUS", 643, "Russian Federation", "Europe", "Eastern Europe"),
    c("RWA", 646, "Rwanda", "Africa", "Sub-Saharan Africa"),
    c("SAU", 682, "Saudi Arabia", "Asia", "Western Asia"),
    c("SDN", 729, "Sudan", "Africa", "Northern Africa"),
    c("SEN", 686, "Senegal", "Africa", "Sub-Saharan Africa"),
    c("SGP", 702, "Singapore", "Asia", "South-eastern Asia"),
    c(
        "SGS",
        239,
        "South Georgia and the South Sandwich Islands",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("SHN", 654, "Saint Helena", "Africa", "Sub-Saharan Africa"),
    c(
        "SJM",
        744,
        "Svalbard and Jan Mayen Islands",
        "Europe",
        "Northern Europe",
    ),
    c("SLB", 90, "Solomon Islands", "Oceania", "Melanesia"),
    c("SLE", 694, "Sierra Leone", "Africa", "Sub-Saharan Africa"),
    c(
        "SLV",
        222,
        "El Salvador",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("SMR", 674, "San Marino", "Europe", "Southern Europe"),
    c("SOM", 706, "Somalia", "Africa", "Sub-Saharan Africa"),
    c(
        "SPM",
        666,
        "Saint Pierre and Miquelon",
        "Americas",
        "Northern America",
    ),
    c("SRB", 688, "Serbia", "Europe", "Southern Europe"),
    c("SSD", 728, "South Sudan", "Africa", "Sub-Saharan Africa"),
    c(
        "STP",
        678,
        "Sao Tome and Principe",
        "Africa",
        "Sub-Saharan Africa",
    ),
    c(
        "SUR",
        740,
        "Suriname",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("SVK", 703, "Slovakia", "Europe", "Eastern Europe"),
    c("SVN", 705, "Slovenia", "Europe", "Southern Europe"),
    c("SWE", 752, "Sweden", "Europe", "Northern Europe"),
    c("SWZ", 748, "Eswatini", "Africa", "Sub-Saharan Africa"),
    c(
        "SXM",
        534,
        "Sint Maarten (Dutch part)",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("SYC", 690, "Seychelles", "Africa", "Sub-Saharan Africa"),
    c("SYR", 760, "Syrian Arab Republic", "Asia", "Western Asia"),
    c(
        "TCA",
        796,
        "Turks and Caicos Islands",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("TCD", 148, "Chad", "Africa", "Sub-Saharan Africa"),
    c("TGO", 768, "Togo", "Africa", "Sub-Saharan Africa"),
    c("THA", 764, "Thailand", "Asia", "South-eastern Asia"),
    c("TJK", 762, "Tajikistan", "Asia", "Central Asia"),
    c("TKL", 772, "Tokelau", "Oceania", "Polynesia"),
    c("TKM", 795, "Turkmenistan", "Asia", "Central Asia"),
    c("TLS", 626, "Timor-Leste", "Asia", "South-eastern Asia"),
    c("TON", 776, "Tonga", "Oceania", "Polynesia"),
    c(
        "TTO",
        780,
        "Trinidad and Tobago",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("TUN", 788, "Tunisia", "Africa", "Northern Africa"),
    c("TUR", 792, "Türkiye", "Asia", "Western Asia"),
    c("TUV", 798, "Tuvalu", "Oceania", "Polynesia"),
    c("TWN", 158, "Taiwan", "Asia", "Eastern Asia"),
    c(
        "TZA",
        834,
        "United Republic of Tanzania",
        "Africa",
        "Sub-Saharan Africa",
    ),
    c("UGA", 800, "Uganda", "Africa", "Sub-Saharan Africa"),
    c("UKR", 804, "Ukraine", "Europe", "Eastern Europe"),
    c(
        "UMI",
        581,
        "United States Minor Outlying Islands",
        "Oceania",
        "Micronesia",
    ),
    c(
        "URY",
        858,
        "Uruguay",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "USA",
        840,
        "United States of America",
        "Americas",
        "Northern America",
    ),
    c("UZB", 860, "Uzbekistan", "Asia", "Central Asia"),
    c("VAT", 336, "Holy See", "Europe", "Southern Europe"),
    c(
        "VCT",
        670,
        "Saint Vincent and the Grenadines",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "VEN",
        862,
        "Venezuela (Bolivarian Republic of)",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "VGB",
        92,
        "British Virgin Islands",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c(
        "VIR",
        850,
        "United States Virgin Islands",
        "Americas",
        "Latin America and the Caribbean",
    ),
    c("VNM", 704, "Viet Nam", "Asia", "South-eastern Asia"),
    c("VUT", 548, "Vanuatu", "Oceania", "Melanesia"),
    c(
        "WLF",
        876,
        "Wallis and Futuna Islands",
        "Oceania",
        "Polynesia",
    ),
    c("WSM", 882, "Samoa", "Oceania", "Polynesia"),
    c("YEM", 887, "Yemen", "Asia", "Western Asia"),
    c("ZAF", 710, "South Africa", "Africa", "Sub-Saharan Africa"),
    c("ZMB", 894, "Zambia", "Africa", "Sub-Saharan Africa"),
    c("ZWE", 716, "Zimbabwe", "Africa", "Sub-Saharan Africa"),
];

/// All countries and areas, sorted by ISO3 code.
pub fn all_countries() -> &'static [Country] {
    COUNTRIES
}

/// The country with this ISO3 code (case-insensitive, surrounding spaces ignored).
pub fn country(iso3: &str) -> Option<&'static Country> {
    let code = iso3.trim();
    if code.len() != 3 {
        return None;
    }
    let upper = code.to_ascii_uppercase();
    COUNTRIES
        .binary_search_by(|c| c.iso3.cmp(upper.as_str()))
        .ok()
        .map(|i| &COUNTRIES[i])
}

/// The country with this ISO 3166-1 numeric (M49) code.
pub fn country_by_numeric(code: u16) -> Option<&'static Country> {
    static BY_NUM: OnceLock<HashMap<u16, usize>> = OnceLock::new();
    let map = BY_NUM.get_or_init(|| {
        COUNTRIES
            .iter()
            .enumerate()
            .map(|(i, c)| (c.iso_numeric, i))
            .collect()
    });
    map.get(&code).map(|&i| &COUNTRIES[i])
}

/// The most likely country meant by an unknown code or name, for "did you mean" messages.
///
/// Tries, in order: an exact ISO3 or numeric code; an exact or prefix match on the name
/// (case-insensitive); the ISO3 code closest by edit distance (adjacent transpositions count as
/// one edit, so `CNH` suggests `CHN`) when it is at most one edit away; the name closest by edit
/// distance when it is within a third of the name's length. Ties among codes go to the longest
/// shared prefix, then the earlier ISO3 code, so the answer is stable. Returns `None` when nothing is close.
pub fn suggest_country(code: &str) -> Option<&'static Country> {
    let input = code.trim();
    if input.is_empty() {
        return None;
    }
    if let Some(c) = country(input) {
        return Some(c);
    }
    if let Ok(n) = input.parse::<u16>() {
        return country_by_numeric(n);
    }
    let lower = input.to_lowercase();
    if let Some(c) = COUNTRIES.iter().find(|c| c.name.to_lowercase() == lower) {
        return Some(c);
    }
    if lower.len() >= 3 {
        if let Some(c) = COUNTRIES
            .iter()
            .find(|c| c.name.to_lowercase().starts_with(&lower))
        {
            return Some(c);
        }
    }
    let upper = input.to_uppercase();
    if upper.chars().count() <= 4 {
        let best = COUNTRIES
            .iter()
            .map(|c| (edit_distance(&upper, c.iso3), c))
            // Among equally close codes prefer the longest shared prefix: people usually get
            // the first letters right (`ZAR` means ZAF rather than MAR).
            .min_by_key(|(d, c)| (*d, usize::MAX - common_prefix(&upper, c.iso3)));
        if let Some((d, c)) = best {
            if d <= 1 {
                return Some(c);
            }
        }
    }
    let best = COUNTRIES
        .iter()
        .map(|c| (edit_distance(&lower, &c.name.to_lowercase()), c))
        .min_by_key(|(d, _)| *d)?;
    let (d, c) = best;
    (d <= (c.name.chars().count() / 3).max(1)).then_some(c)
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Optimal-string-alignment edit distance (Levenshtein plus adjacent transpositions), on chars.
///
/// Inputs here are short (codes and country names), so the O(n·m) table is cheap.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// "unknown country `X`" plus a "did you mean" hint when one is close: the message every
/// command prints for an unknown reporter or partner code.
pub fn unknown_country_message(code: &str) -> String {
    match suggest_country(code) {
        Some(c) => format!(
            "unknown country code `{code}`: did you mean {} ({})?",
            c.iso3, c.name
        ),
        None => format!(
            "unknown country code `{code}`: expected an ISO 3166-1 alpha-3 code such as ZAF"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        // binary_search in `country` relies on this order.
        for w in COUNTRIES.windows(2) {
            assert!(w[0].iso3 < w[1].iso3, "{} before {}", w[0].iso3, w[1].iso3);
        }
        assert_eq!(COUNTRIES.len(), 249);
    }

    #[test]
    fn lookups_match_m49_facts() {
        // UN M49 overview: South Africa 710, Africa / Sub-Saharan Africa.
        let zaf = country("zaf").unwrap();
        assert_eq!(zaf.iso_numeric, 710);
        assert_eq!(zaf.region, "Africa");
        assert_eq!(zaf.subregion, "Sub-Saharan Africa");
        assert_eq!(country_by_numeric(156).unwrap().iso3, "CHN");
        assert_eq!(country_by_numeric(4).unwrap().subregion, "Southern Asia");
        assert_eq!(country("DZA").unwrap().subregion, "Northern Africa");
        assert!(country("XXX").is_none());
        assert!(country_by_numeric(999).is_none());
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_country("CNH").unwrap().iso3, "CHN");
        assert_eq!(suggest_country("ZAR").unwrap().iso3, "ZAF");
        assert_eq!(suggest_country("south africa").unwrap().iso3, "ZAF");
        assert_eq!(suggest_country("Chna").unwrap().iso3, "CHN");
        assert_eq!(suggest_country("710").unwrap().iso3, "ZAF");
        assert!(suggest_country("QQQQQQQQQQQQQ").is_none());
        assert!(unknown_country_message("CNH").contains("did you mean CHN"));
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
