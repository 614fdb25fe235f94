-- Sample data for agents/db-assistant.yaml: a small shop in its own schema. Safe to run again (it starts over).
DROP SCHEMA IF EXISTS shop CASCADE;
CREATE SCHEMA shop;
SET search_path = shop;

CREATE TABLE customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  country text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  id serial PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  price_cents int NOT NULL CHECK (price_cents >= 0),
  stock int NOT NULL DEFAULT 0
);

CREATE TABLE orders (
  id serial PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers (id),
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
  order_id int NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id int NOT NULL REFERENCES products (id),
  quantity int NOT NULL CHECK (quantity > 0),
  price_cents int NOT NULL,
  PRIMARY KEY (order_id, product_id)
);

INSERT INTO customers (name, email, country, created_at) VALUES
  ('Ada Lovelace', 'ada@example.com', 'GB', '2026-01-05'),
  ('Grace Hopper', 'grace@example.com', 'US', '2026-02-11'),
  ('Alan Turing', 'alan@example.com', 'GB', '2026-03-02'),
  ('Katherine Johnson', 'katherine@example.com', 'US', '2026-03-20'),
  ('Edsger Dijkstra', 'edsger@example.com', 'NL', '2026-04-14');

INSERT INTO products (sku, name, price_cents, stock) VALUES
  ('KB-01', 'Mechanical keyboard', 8900, 12),
  ('MS-02', 'Wireless mouse', 2900, 40),
  ('MN-27', '27" monitor', 24900, 5),
  ('CB-03', 'USB-C cable', 900, 150);

INSERT INTO orders (customer_id, status, created_at) VALUES
  (1, 'shipped', '2026-04-01'),
  (2, 'paid', '2026-04-18'),
  (2, 'pending', '2026-05-02'),
  (3, 'cancelled', '2026-05-03'),
  (5, 'shipped', '2026-05-09');

INSERT INTO order_items (order_id, product_id, quantity, price_cents) VALUES
  (1, 1, 1, 8900),
  (1, 4, 2, 900),
  (2, 3, 1, 24900),
  (3, 2, 1, 2900),
  (4, 1, 1, 8900),
  (5, 2, 2, 2900),
  (5, 4, 3, 900);
