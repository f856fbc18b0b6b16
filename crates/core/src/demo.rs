//! The demo shop: a realistic Django-style e-commerce SQLite database and a media folder of
//! real PNG images, so a newcomer can try every command in a minute and tests and benchmarks
//! have a real shop to work on.
//!
//! Everything is generated from a fixed seed, so two demo shops of the same size are equal.
//! [`DemoOptions::rows_scale`] multiplies the row counts; [`DemoOptions::media_bytes`] sets
//! the approximate size of the media folder (images of random pixels, which do not compress).

use crate::{Error, Result};
use rusqlite::{params, Connection};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Folder to create the shop in; `shop.sqlite3` and `media/` are made inside it.
    pub dir: PathBuf,
    /// 1 gives a few thousand rows.
    pub rows_scale: u32,
    /// Approximate total size of the product images.
    pub media_bytes: u64,
}

impl DemoOptions {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DemoOptions {
            dir: dir.into(),
            rows_scale: 1,
            media_bytes: 6 << 20,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoShop {
    pub database: PathBuf,
    pub media: PathBuf,
    pub tables: u64,
    pub rows: u64,
    pub media_files: u64,
    pub media_bytes: u64,
}

/// Create a demo shop. Fails if the folder already holds a shop database or media folder.
pub fn create(opts: &DemoOptions) -> Result<DemoShop> {
    let database = opts.dir.join("shop.sqlite3");
    let media = opts.dir.join("media");
    if database.exists() || media.exists() {
        return Err(Error::invalid(format!(
            "{} already holds a shop; choose an empty or new folder for the demo.",
            opts.dir.display()
        )));
    }
    std::fs::create_dir_all(&media).map_err(|e| Error::io("create", &media, e))?;
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let conn = Connection::open(&database)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.execute_batch(SCHEMA)?;
    let products = fill(&conn, &mut rng, opts.rows_scale.max(1) as i64)?;
    let (media_files, media_bytes) =
        write_media(&conn, &media, &mut rng, products, opts.media_bytes)?;
    let stats = crate::engine::sqlite::table_stats(&conn, &crate::CancelToken::new())?;
    Ok(DemoShop {
        database,
        media,
        tables: stats.len() as u64,
        rows: stats.iter().map(|t| t.rows).sum(),
        media_files,
        media_bytes,
    })
}

/// xorshift64*: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n.max(1) as u64) as i64
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len() as i64) as usize]
    }
    fn price(&mut self) -> String {
        format!("{}.{:02}", 1 + self.below(499), self.below(100))
    }
    fn time(&mut self) -> String {
        let c = crate::clock::civil(1_640_995_200 + self.below(150_000_000));
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
            c.year,
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second,
            self.below(1_000_000)
        )
    }
}

const ADJECTIVES: &[&str] = &[
    "Classic",
    "Organic",
    "Handmade",
    "Crème",
    "Smørrebrød",
    "Ünïcödé",
    "Vintage",
    "Eco",
    "日本の",
    "Déjà-vu",
    "Zürich",
    "Señor",
    "Жёлтый",
    "Premium",
    "Rustic",
    "🌿 Green",
];
const NOUNS: &[&str] = &[
    "Teapot",
    "Mug",
    "Scarf",
    "Notebook",
    "Candle",
    "Backpack",
    "Lamp",
    "Tea",
    "Café Blend",
    "Soap",
    "Basket",
    "Blanket",
    "Vase",
    "Wallet",
    "Umbrella",
    "Bowl",
];
const CITIES: &[&str] = &[
    "Berlin",
    "Kraków",
    "São Paulo",
    "Reykjavík",
    "Москва",
    "東京",
    "Lyon",
    "Malmö",
    "Zaragoza",
];
const FIRST: &[&str] = &[
    "Anna",
    "Björn",
    "Chloé",
    "Dmitri",
    "Eva",
    "François",
    "Günther",
    "Hana",
    "Iñaki",
    "Jürgen",
];
const LAST: &[&str] = &[
    "Müller",
    "Nørgaard",
    "O'Brien",
    "Pérez",
    "Quinn",
    "Søren",
    "Tanaka",
    "Ulrich",
    "Vázquez",
];

fn fill(conn: &Connection, rng: &mut Rng, scale: i64) -> Result<i64> {
    let tx = conn.unchecked_transaction()?;
    let apps = [
        "auth",
        "catalog",
        "orders",
        "customers",
        "cart",
        "reviews",
        "promotions",
        "inventory",
    ];
    for (i, app) in apps.iter().enumerate() {
        for model in ["item", "group", "entry"] {
            tx.execute(
                "INSERT INTO django_content_type (app_label, model) VALUES (?1, ?2)",
                params![app, format!("{model}{i}")],
            )?;
        }
    }
    for ct in 1..=24i64 {
        for action in ["add", "change", "delete", "view"] {
            tx.execute(
                "INSERT INTO auth_permission (content_type_id, codename, name) VALUES (?1, ?2, ?3)",
                params![
                    ct,
                    format!("{action}_{ct}"),
                    format!("Can {action} model {ct}")
                ],
            )?;
        }
    }
    for g in ["Staff", "Support", "Warehouse", "Marketing"] {
        tx.execute("INSERT INTO auth_group (name) VALUES (?1)", [g])?;
    }
    for g in 1..=4i64 {
        for p in (g..=96).step_by(7) {
            tx.execute(
                "INSERT INTO auth_group_permissions (group_id, permission_id) VALUES (?1, ?2)",
                params![g, p],
            )?;
        }
    }
    let users = 40 * scale;
    for u in 1..=users {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        tx.execute(
            "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)",
            params![
                format!("pbkdf2_sha256$600000${:016x}${:032x}", rng.next(), rng.next()),
                if u % 5 == 0 { None } else { Some(rng.time()) },
                u == 1,
                format!("user{u}"),
                first,
                last,
                format!("user{u}@example.com"),
                u <= 3,
                rng.time()
            ],
        )?;
        if u % 3 == 0 {
            tx.execute(
                "INSERT INTO auth_user_groups (user_id, group_id) VALUES (?1, ?2)",
                params![u, 1 + rng.below(4)],
            )?;
        }
    }
    for (i, name) in [
        "0001_initial",
        "0002_alter_permission",
        "0003_product_tags",
        "0004_orders",
    ]
    .iter()
    .enumerate()
    {
        for app in apps {
            tx.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES (?1, ?2, ?3)",
                params![app, name, format!("2024-01-0{} 12:00:00", i + 1)],
            )?;
        }
    }
    tx.execute(
        "INSERT INTO django_site (domain, name) VALUES ('shop.example.com', 'Demo Shop — Läden')",
        [],
    )?;
    let categories = 12;
    for c in 1..=categories {
        tx.execute(
            "INSERT INTO catalog_category (name, slug, parent_id, description, image) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
                format!("category-{c}"),
                if c > 4 { Some(1 + (c - 1) % 4) } else { None },
                if c % 3 == 0 { None } else { Some("Beautiful things, «carefully» chosen.\nSecond line.") },
                format!("categories/category-{c}.png")
            ],
        )?;
    }
    for b in 1..=8 {
        tx.execute(
            "INSERT INTO catalog_brand (name, slug, website) VALUES (?1, ?2, ?3)",
            params![
                format!("{} & Co", rng.pick(LAST)),
                format!("brand-{b}"),
                format!("https://brand{b}.example")
            ],
        )?;
    }
    for (i, t) in ["new", "sale", "gift", "eco", "bestseller", "limited"]
        .iter()
        .enumerate()
    {
        tx.execute(
            "INSERT INTO catalog_tag (id, name) VALUES (?1, ?2)",
            params![i as i64 + 1, t],
        )?;
    }
    for a in ["colour", "size", "material", "weight"] {
        tx.execute(
            "INSERT INTO catalog_attribute (name, code) VALUES (?1, ?1)",
            [a],
        )?;
    }
    let products = 150 * scale;
    for p in 1..=products {
        tx.execute(
            "INSERT INTO catalog_product (title, slug, category_id, brand_id, description, price, cost_price, is_active, rating, created_at, updated_at, weight_grams)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                format!("{} {} {p}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
                format!("product-{p}"),
                1 + rng.below(categories),
                if p % 7 == 0 { None } else { Some(1 + rng.below(8)) },
                format!("A lovely item.\tTab, \"quotes\", 'apostrophes', back\\slash and ünïcode {}.", "x".repeat(rng.below(400) as usize)),
                rng.price(),
                if p % 4 == 0 { None } else { Some(rng.price()) },
                p % 10 != 0,
                (rng.below(500) as f64) / 100.0,
                rng.time(),
                rng.time(),
                if p % 6 == 0 { None } else { Some(rng.below(5000)) }
            ],
        )?;
        for v in 0..(1 + rng.below(3)) {
            tx.execute(
                "INSERT INTO catalog_productvariant (product_id, sku, size, price_override, barcode) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![p, format!("SKU-{p}-{v}"), rng.pick(&["S", "M", "L", "XL"]), if v == 0 { None } else { Some(rng.price()) }, vec![0u8, (p % 256) as u8, 0xff, v as u8]],
            )?;
        }
        for t in 1..=6 {
            if rng.below(3) == 0 {
                tx.execute(
                    "INSERT INTO catalog_product_tags (product_id, tag_id) VALUES (?1, ?2)",
                    params![p, t],
                )?;
            }
        }
        tx.execute(
            "INSERT INTO catalog_productattributevalue (product_id, attribute_id, value_text) VALUES (?1, ?2, ?3)",
            params![p, 1 + rng.below(4), rng.pick(&["red", "blau", "grün", "白", "noir"])],
        )?;
    }
    for w in ["Main warehouse", "Lager Nord", "Entrepôt Sud"] {
        tx.execute(
            "INSERT INTO inventory_warehouse (name, city) VALUES (?1, ?2)",
            params![w, rng.pick(CITIES)],
        )?;
    }
    let variants: i64 = tx.query_row("SELECT count(*) FROM catalog_productvariant", [], |r| {
        r.get(0)
    })?;
    for v in 1..=variants {
        tx.execute(
            "INSERT INTO inventory_stockrecord (variant_id, warehouse_id, num_in_stock, num_allocated, low_stock_threshold) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![v, 1 + (v % 3), { rng.below(200) }, { rng.below(10) }, if v % 2 == 0 { None } else { Some(5) }],
        )?;
    }
    let customers = users;
    for c in 1..=customers {
        tx.execute(
            "INSERT INTO customers_customer (user_id, phone, birth_date, newsletter, loyalty_points, notes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![c, format!("+49 30 {:07}", rng.below(10_000_000)), if c % 4 == 0 { None } else { Some(format!("19{:02}-0{}-1{}", 50 + rng.below(50), 1 + rng.below(9), rng.below(10))) }, c % 2 == 0, { rng.below(5000) }, if c % 9 == 0 { Some("VIP — handle with care ✨") } else { None }],
        )?;
        for kind in ["billing", "shipping"] {
            tx.execute(
                "INSERT INTO customers_address (customer_id, kind, line1, line2, city, postcode, country) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![c, kind, format!("{} Straße {}", rng.pick(LAST), 1 + rng.below(200)), if c % 3 == 0 { None } else { Some("Hinterhaus") }, rng.pick(CITIES), format!("{:05}", rng.below(99999)), rng.pick(&["DE", "FR", "PL", "BR", "IS", "JP"])],
            )?;
        }
    }
    for (code, rate) in [
        ("DE", "19.00"),
        ("FR", "20.00"),
        ("PL", "23.00"),
        ("JP", "10.00"),
    ] {
        tx.execute(
            "INSERT INTO tax_rate (country, rate) VALUES (?1, ?2)",
            params![code, rate],
        )?;
    }
    for (name, price) in [
        ("Standard", "4.90"),
        ("Express", "12.50"),
        ("Pick-up", "0.00"),
    ] {
        tx.execute(
            "INSERT INTO shipping_method (name, price, active) VALUES (?1, ?2, 1)",
            params![name, price],
        )?;
    }
    for v in 1..=(10 * scale) {
        tx.execute(
            "INSERT INTO promotions_voucher (code, discount_percent, valid_from, valid_until, max_uses) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![format!("SAVE{v:04}"), 5 + rng.below(30), rng.time(), if v % 3 == 0 { None } else { Some(rng.time()) }, 100],
        )?;
    }
    let orders = 300 * scale;
    for o in 1..=orders {
        let customer = 1 + rng.below(customers);
        let voucher = if o % 11 == 0 {
            Some(1 + rng.below(10 * scale))
        } else {
            None
        };
        tx.execute(
            "INSERT INTO orders_order (number, customer_id, status, currency, total, shipping_method_id, placed_at, voucher_id, customer_note)
             VALUES (?1, ?2, ?3, 'EUR', ?4, ?5, ?6, ?7, ?8)",
            params![format!("ORD-{o:07}"), customer, rng.pick(&["new", "paid", "shipped", "cancelled", "refunded"]), rng.price(), 1 + rng.below(3), rng.time(), voucher, if o % 13 == 0 { Some("Bitte nicht klingeln 🔕") } else { None }],
        )?;
        for _ in 0..(1 + rng.below(4)) {
            tx.execute(
                "INSERT INTO orders_orderline (order_id, variant_id, quantity, unit_price, title_snapshot) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![o, 1 + rng.below(variants), 1 + rng.below(5), rng.price(), format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS))],
            )?;
        }
        tx.execute(
            "INSERT INTO orders_payment (order_id, provider, amount, reference, paid_at, raw_response) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![o, rng.pick(&["stripe", "paypal", "invoice"]), rng.price(), format!("pay_{:016x}", rng.next()), if o % 5 == 0 { None } else { Some(rng.time()) }, format!("{{\"id\": {o}, \"ok\": true, \"note\": \"ü\"}}")],
        )?;
        if o % 2 == 0 {
            tx.execute(
                "INSERT INTO orders_shipment (order_id, carrier, tracking_number, shipped_at) VALUES (?1, ?2, ?3, ?4)",
                params![o, rng.pick(&["DHL", "UPS", "La Poste"]), format!("TRK{:012}", rng.below(1_000_000_000_000)), rng.time()],
            )?;
        }
        if o % 17 == 0 {
            tx.execute("INSERT INTO orders_refund (order_id, amount, reason, created_at) VALUES (?1, ?2, ?3, ?4)", params![o, rng.price(), "Damaged in transit", rng.time()])?;
        }
        if let Some(v) = voucher {
            tx.execute("INSERT INTO promotions_voucherusage (voucher_id, order_id, used_at) VALUES (?1, ?2, ?3)", params![v, o, rng.time()])?;
        }
    }
    for r in 1..=(200 * scale) {
        tx.execute(
            "INSERT INTO reviews_review (product_id, customer_id, rating, title, body, created_at, approved) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![1 + rng.below(products), 1 + rng.below(customers), 1 + rng.below(5), format!("Review {r}: {}", rng.pick(&["Sehr gut!", "Très bien", "Świetne", "最高", "Meh", "Love it ❤️"])), if r % 8 == 0 { None } else { Some("Arrived quickly and looks as pictured.") }, rng.time(), r % 4 != 0],
        )?;
    }
    for c in 1..=(customers / 2) {
        tx.execute(
            "INSERT INTO cart_cart (customer_id, created_at, session_key) VALUES (?1, ?2, ?3)",
            params![c, rng.time(), format!("{:032x}", rng.next())],
        )?;
        for _ in 0..rng.below(4) {
            tx.execute(
                "INSERT INTO cart_cartitem (cart_id, variant_id, quantity) VALUES (?1, ?2, ?3)",
                params![c, 1 + rng.below(variants), 1 + rng.below(3)],
            )?;
        }
        tx.execute(
            "INSERT INTO wishlist_wishlist (customer_id, name) VALUES (?1, 'Favourites')",
            [c],
        )?;
        tx.execute(
            "INSERT INTO wishlist_item (wishlist_id, product_id, added_at) VALUES (?1, ?2, ?3)",
            params![c, 1 + rng.below(products), rng.time()],
        )?;
    }
    for s in 1..=(50 * scale) {
        tx.execute("INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?1, ?2, ?3)", params![format!("{:032x}", rng.next() as u128 * s as u128), format!("e30:{:x}", rng.next()), rng.time()])?;
    }
    for (slug, title) in [
        ("about", "Über uns"),
        ("terms", "AGB"),
        ("privacy", "Datenschutz"),
        ("contact", "Kontakt"),
    ] {
        tx.execute(
            "INSERT INTO cms_page (slug, title, content, published) VALUES (?1, ?2, ?3, 1)",
            params![slug, title, "<h1>Hallo</h1><p>Willkommen im Laden.</p>"],
        )?;
    }
    for n in 1..=(30 * scale) {
        tx.execute("INSERT INTO newsletter_subscriber (email, confirmed, subscribed_at) VALUES (?1, ?2, ?3)", params![format!("reader{n}@example.org"), n % 3 != 0, rng.time()])?;
    }
    for a in 1..=(20 * scale) {
        tx.execute(
            "INSERT INTO django_admin_log (action_time, user_id, content_type_id, object_id, object_repr, action_flag, change_message) VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)",
            params![rng.time(), 1 + rng.below(24), format!("{a}"), format!("Product {a}"), 1 + rng.below(3), "[{\"changed\": {\"fields\": [\"price\"]}}]"],
        )?;
    }
    tx.commit()?;
    Ok(products)
}

/// Product, category and banner images, plus a stylesheet; records product images in the
/// database. Returns the file count and total bytes.
fn write_media(
    conn: &Connection,
    media: &Path,
    rng: &mut Rng,
    products: i64,
    budget: u64,
) -> Result<(u64, u64)> {
    let mut files = 0u64;
    let mut bytes = 0u64;
    let mut put = |rel: &str, data: &[u8]| -> Result<()> {
        let path = media.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
        }
        std::fs::write(&path, data).map_err(|e| Error::io("write", &path, e))?;
        files += 1;
        bytes += data.len() as u64;
        Ok(())
    };
    for c in 1..=12 {
        put(
            &format!("categories/category-{c}.png"),
            &gradient_png(64, 48, c as u8),
        )?;
    }
    put("banners/summer-sale.png", &gradient_png(320, 80, 7))?;
    put("banners/café-crème.png", &gradient_png(200, 60, 9))?;
    put(
        "css/custom.css",
        b"/* Shop theme */\nbody { font-family: sans-serif; color: #222; }\n"
            .repeat(40)
            .as_slice(),
    )?;
    put(
        "docs/Lieferbedingungen.txt",
        "Lieferung innerhalb von 3–5 Werktagen. Rückgabe 30 Tage.\n"
            .repeat(20)
            .as_bytes(),
    )?;
    // Product images: noise, so they do not compress, sized to fill the budget.
    // Two photos per product, but no more than keeps them near real product photos in size
    // (a few hundred kB) once the budget is large.
    let count = (products * 2)
        .min(300 + budget as i64 / (256 << 10))
        .min(budget as i64 / (8 << 10))
        .max(1);
    let average = budget as i64 / count;
    let tx = conn.unchecked_transaction()?;
    for i in 0..count {
        let product = 1 + i % products;
        let target = (average / 2 + rng.below(average.max(1))).max(1024);
        let side = ((target / 3) as f64).sqrt().max(8.0) as u32;
        let rel = format!(
            "products/{:02}/product-{product}-{}.png",
            product % 50,
            i / products
        );
        put(&rel, &noise_png(side, side, rng))?;
        tx.execute(
            "INSERT INTO catalog_productimage (product_id, image, alt_text, position) VALUES (?1, ?2, ?3, ?4)",
            params![product, rel, format!("Photo of product {product}"), { i / products }],
        )?;
    }
    tx.commit()?;
    Ok((files, bytes))
}

fn png(width: u32, height: u32, raw: &[u8], level: flate2::Compression) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), level);
    z.write_all(raw).expect("writing to memory");
    chunk(&mut out, b"IDAT", &z.finish().expect("writing to memory"));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn gradient_png(width: u32, height: u32, tint: u8) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0);
        for x in 0..width {
            raw.extend_from_slice(&[
                (x * 255 / width) as u8,
                (y * 255 / height) as u8,
                tint.wrapping_mul(37),
            ]);
        }
    }
    png(width, height, &raw, flate2::Compression::default())
}

fn noise_png(width: u32, height: u32, rng: &mut Rng) -> Vec<u8> {
    let row = (width * 3) as usize;
    let mut raw = Vec::with_capacity((row + 1) * height as usize);
    for _ in 0..height {
        raw.push(0);
        let start = raw.len();
        raw.resize(start + row, 0);
        for chunk in raw[start..].chunks_mut(8) {
            let v = rng.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
    png(width, height, &raw, flate2::Compression::none())
}

const SCHEMA: &str = r#"
CREATE TABLE django_content_type (id INTEGER PRIMARY KEY AUTOINCREMENT, app_label varchar(100) NOT NULL, model varchar(100) NOT NULL, UNIQUE (app_label, model));
CREATE TABLE auth_permission (id INTEGER PRIMARY KEY AUTOINCREMENT, content_type_id integer NOT NULL REFERENCES django_content_type (id) DEFERRABLE INITIALLY DEFERRED, codename varchar(100) NOT NULL, name varchar(255) NOT NULL, UNIQUE (content_type_id, codename));
CREATE TABLE auth_group (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(150) NOT NULL UNIQUE);
CREATE TABLE auth_group_permissions (id INTEGER PRIMARY KEY AUTOINCREMENT, group_id integer NOT NULL REFERENCES auth_group (id) DEFERRABLE INITIALLY DEFERRED, permission_id integer NOT NULL REFERENCES auth_permission (id) DEFERRABLE INITIALLY DEFERRED, UNIQUE (group_id, permission_id));
CREATE TABLE auth_user (id INTEGER PRIMARY KEY AUTOINCREMENT, password varchar(128) NOT NULL, last_login datetime NULL, is_superuser bool NOT NULL, username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL, last_name varchar(150) NOT NULL, email varchar(254) NOT NULL, is_staff bool NOT NULL, is_active bool NOT NULL, date_joined datetime NOT NULL);
CREATE TABLE auth_user_groups (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED, group_id integer NOT NULL REFERENCES auth_group (id) DEFERRABLE INITIALLY DEFERRED, UNIQUE (user_id, group_id));
CREATE TABLE auth_user_user_permissions (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED, permission_id integer NOT NULL REFERENCES auth_permission (id) DEFERRABLE INITIALLY DEFERRED, UNIQUE (user_id, permission_id));
CREATE TABLE django_admin_log (id INTEGER PRIMARY KEY AUTOINCREMENT, action_time datetime NOT NULL, user_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED, content_type_id integer NULL REFERENCES django_content_type (id) DEFERRABLE INITIALLY DEFERRED, object_id text NULL, object_repr varchar(200) NOT NULL, action_flag smallint unsigned NOT NULL CHECK (action_flag >= 0), change_message text NOT NULL);
CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, session_data text NOT NULL, expire_date datetime NOT NULL);
CREATE INDEX django_session_expire_date ON django_session (expire_date);
CREATE TABLE django_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, app varchar(255) NOT NULL, name varchar(255) NOT NULL, applied datetime NOT NULL);
CREATE TABLE django_site (id INTEGER PRIMARY KEY AUTOINCREMENT, domain varchar(100) NOT NULL UNIQUE, name varchar(50) NOT NULL);
CREATE TABLE catalog_category (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(120) NOT NULL, slug varchar(120) NOT NULL UNIQUE, parent_id bigint NULL REFERENCES catalog_category (id) DEFERRABLE INITIALLY DEFERRED, description text NULL, image varchar(100) NOT NULL);
CREATE TABLE catalog_brand (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(120) NOT NULL, slug varchar(120) NOT NULL UNIQUE, website varchar(200) NOT NULL);
CREATE TABLE catalog_tag (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(50) NOT NULL UNIQUE);
CREATE TABLE catalog_attribute (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(60) NOT NULL, code varchar(60) NOT NULL UNIQUE);
CREATE TABLE catalog_product (id INTEGER PRIMARY KEY AUTOINCREMENT, title varchar(255) NOT NULL, slug varchar(255) NOT NULL UNIQUE, category_id bigint NOT NULL REFERENCES catalog_category (id) DEFERRABLE INITIALLY DEFERRED, brand_id bigint NULL REFERENCES catalog_brand (id) DEFERRABLE INITIALLY DEFERRED, description text NOT NULL, price decimal NOT NULL, cost_price decimal NULL, is_active bool NOT NULL, rating real NOT NULL, created_at datetime NOT NULL, updated_at datetime NOT NULL, weight_grams integer NULL);
CREATE INDEX catalog_product_category_id ON catalog_product (category_id);
CREATE INDEX catalog_product_active_price ON catalog_product (price) WHERE is_active;
CREATE TABLE catalog_productimage (id INTEGER PRIMARY KEY AUTOINCREMENT, product_id bigint NOT NULL REFERENCES catalog_product (id) DEFERRABLE INITIALLY DEFERRED, image varchar(100) NOT NULL, alt_text varchar(255) NOT NULL, position integer NOT NULL);
CREATE TABLE catalog_productvariant (id INTEGER PRIMARY KEY AUTOINCREMENT, product_id bigint NOT NULL REFERENCES catalog_product (id) DEFERRABLE INITIALLY DEFERRED, sku varchar(64) NOT NULL UNIQUE, size varchar(8) NOT NULL, price_override decimal NULL, barcode blob NULL);
CREATE TABLE catalog_productattributevalue (id INTEGER PRIMARY KEY AUTOINCREMENT, product_id bigint NOT NULL REFERENCES catalog_product (id) DEFERRABLE INITIALLY DEFERRED, attribute_id bigint NOT NULL REFERENCES catalog_attribute (id) DEFERRABLE INITIALLY DEFERRED, value_text varchar(255) NOT NULL);
CREATE TABLE catalog_product_tags (id INTEGER PRIMARY KEY AUTOINCREMENT, product_id bigint NOT NULL REFERENCES catalog_product (id) DEFERRABLE INITIALLY DEFERRED, tag_id bigint NOT NULL REFERENCES catalog_tag (id) DEFERRABLE INITIALLY DEFERRED, UNIQUE (product_id, tag_id));
CREATE TABLE inventory_warehouse (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(100) NOT NULL, city varchar(100) NOT NULL);
CREATE TABLE inventory_stockrecord (id INTEGER PRIMARY KEY AUTOINCREMENT, variant_id bigint NOT NULL REFERENCES catalog_productvariant (id) DEFERRABLE INITIALLY DEFERRED, warehouse_id bigint NOT NULL REFERENCES inventory_warehouse (id) DEFERRABLE INITIALLY DEFERRED, num_in_stock integer NOT NULL CHECK (num_in_stock >= 0), num_allocated integer NOT NULL, low_stock_threshold integer NULL);
CREATE TABLE customers_customer (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id integer NOT NULL UNIQUE REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED, phone varchar(32) NOT NULL, birth_date date NULL, newsletter bool NOT NULL, loyalty_points integer NOT NULL, notes text NULL);
CREATE TABLE customers_address (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id bigint NOT NULL REFERENCES customers_customer (id) DEFERRABLE INITIALLY DEFERRED, kind varchar(16) NOT NULL, line1 varchar(255) NOT NULL, line2 varchar(255) NULL, city varchar(100) NOT NULL, postcode varchar(16) NOT NULL, country varchar(2) NOT NULL);
CREATE TABLE tax_rate (id INTEGER PRIMARY KEY AUTOINCREMENT, country varchar(2) NOT NULL UNIQUE, rate decimal NOT NULL);
CREATE TABLE shipping_method (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(60) NOT NULL, price decimal NOT NULL, active bool NOT NULL);
CREATE TABLE promotions_voucher (id INTEGER PRIMARY KEY AUTOINCREMENT, code varchar(32) NOT NULL UNIQUE, discount_percent integer NOT NULL, valid_from datetime NOT NULL, valid_until datetime NULL, max_uses integer NOT NULL);
CREATE TABLE orders_order (id INTEGER PRIMARY KEY AUTOINCREMENT, number varchar(32) NOT NULL UNIQUE, customer_id bigint NOT NULL REFERENCES customers_customer (id) DEFERRABLE INITIALLY DEFERRED, status varchar(16) NOT NULL, currency varchar(3) NOT NULL, total decimal NOT NULL, shipping_method_id bigint NULL REFERENCES shipping_method (id) DEFERRABLE INITIALLY DEFERRED, placed_at datetime NOT NULL, voucher_id bigint NULL REFERENCES promotions_voucher (id) DEFERRABLE INITIALLY DEFERRED, customer_note text NULL);
CREATE INDEX orders_order_placed_at ON orders_order (placed_at);
CREATE INDEX orders_order_lower_status ON orders_order (lower(status));
CREATE TABLE orders_orderline (id INTEGER PRIMARY KEY AUTOINCREMENT, order_id bigint NOT NULL REFERENCES orders_order (id) DEFERRABLE INITIALLY DEFERRED, variant_id bigint NOT NULL REFERENCES catalog_productvariant (id) DEFERRABLE INITIALLY DEFERRED, quantity integer NOT NULL CHECK (quantity > 0), unit_price decimal NOT NULL, title_snapshot varchar(255) NOT NULL);
CREATE TABLE orders_payment (id INTEGER PRIMARY KEY AUTOINCREMENT, order_id bigint NOT NULL REFERENCES orders_order (id) DEFERRABLE INITIALLY DEFERRED, provider varchar(32) NOT NULL, amount decimal NOT NULL, reference varchar(64) NOT NULL, paid_at datetime NULL, raw_response text NOT NULL CHECK (json_valid(raw_response)));
CREATE TABLE orders_shipment (id INTEGER PRIMARY KEY AUTOINCREMENT, order_id bigint NOT NULL REFERENCES orders_order (id) DEFERRABLE INITIALLY DEFERRED, carrier varchar(32) NOT NULL, tracking_number varchar(64) NOT NULL, shipped_at datetime NOT NULL);
CREATE TABLE orders_refund (id INTEGER PRIMARY KEY AUTOINCREMENT, order_id bigint NOT NULL REFERENCES orders_order (id) DEFERRABLE INITIALLY DEFERRED, amount decimal NOT NULL, reason text NOT NULL, created_at datetime NOT NULL);
CREATE TABLE promotions_voucherusage (id INTEGER PRIMARY KEY AUTOINCREMENT, voucher_id bigint NOT NULL REFERENCES promotions_voucher (id) DEFERRABLE INITIALLY DEFERRED, order_id bigint NOT NULL REFERENCES orders_order (id) DEFERRABLE INITIALLY DEFERRED, used_at datetime NOT NULL);
CREATE TABLE reviews_review (id INTEGER PRIMARY KEY AUTOINCREMENT, product_id bigint NOT NULL REFERENCES catalog_product (id) DEFERRABLE INITIALLY DEFERRED, customer_id bigint NOT NULL REFERENCES customers_customer (id) DEFERRABLE INITIALLY DEFERRED, rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5), title varchar(200) NOT NULL, body text NULL, created_at datetime NOT NULL, approved bool NOT NULL);
CREATE TABLE cart_cart (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id bigint NULL REFERENCES customers_customer (id) DEFERRABLE INITIALLY DEFERRED, created_at datetime NOT NULL, session_key varchar(40) NOT NULL);
CREATE TABLE cart_cartitem (id INTEGER PRIMARY KEY AUTOINCREMENT, cart_id bigint NOT NULL REFERENCES cart_cart (id) DEFERRABLE INITIALLY DEFERRED, variant_id bigint NOT NULL REFERENCES catalog_productvariant (id) DEFERRABLE INITIALLY DEFERRED, quantity integer NOT NULL);
CREATE TABLE wishlist_wishlist (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id bigint NOT NULL REFERENCES customers_customer (id) DEFERRABLE INITIALLY DEFERRED, name varchar(60) NOT NULL);
CREATE TABLE wishlist_item (id INTEGER PRIMARY KEY AUTOINCREMENT, wishlist_id bigint NOT NULL REFERENCES wishlist_wishlist (id) DEFERRABLE INITIALLY DEFERRED, product_id bigint NOT NULL REFERENCES catalog_product (id) DEFERRABLE INITIALLY DEFERRED, added_at datetime NOT NULL);
CREATE TABLE cms_page (id INTEGER PRIMARY KEY AUTOINCREMENT, slug varchar(50) NOT NULL UNIQUE, title varchar(200) NOT NULL, content text NOT NULL, published bool NOT NULL);
CREATE TABLE newsletter_subscriber (id INTEGER PRIMARY KEY AUTOINCREMENT, email varchar(254) NOT NULL UNIQUE, confirmed bool NOT NULL, subscribed_at datetime NOT NULL);
CREATE VIEW catalog_active_products AS SELECT id, title, price FROM catalog_product WHERE is_active;
CREATE TRIGGER catalog_product_touch AFTER UPDATE OF price ON catalog_product BEGIN UPDATE catalog_product SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id; END;
"#;
