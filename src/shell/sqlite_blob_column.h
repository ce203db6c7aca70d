// A BLOB column of the current row of a SQLite statement, as bytes: valid until the statement
// steps again, is reset or finalized (sqlite3_column_blob's rule).
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>

#include "mqtt/types.h"

namespace trustmq::shell {

inline mqtt::ByteView sqlite_blob_column(sqlite3_stmt* statement, int column) {
  // Braced initialisation evaluates left to right: the blob first, then its size, the order
  // SQLite asks for.
  return mqtt::ByteView{static_cast<const std::uint8_t*>(sqlite3_column_blob(statement, column)),
                        static_cast<std::size_t>(sqlite3_column_bytes(statement, column))};
}

}  // namespace trustmq::shell
