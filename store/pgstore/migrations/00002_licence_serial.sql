-- +goose Up
-- Citizens quote licence numbers in many forms (衛署藥製字第029478號, 藥製字029478, 029478):
-- the serial finds them all.
CREATE INDEX documents_licence_serial ON documents ((substring(key from '\d{5,7}'))) WHERE dataset = 'tfda_drug';

-- +goose Down
DROP INDEX documents_licence_serial;
