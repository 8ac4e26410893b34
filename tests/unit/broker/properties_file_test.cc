// java.util.Properties syntax, one case per shape server.properties files use.
#include "broker/config/properties_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "broker/config/config_error.h"

namespace sluice::broker {
namespace {

using pairs = property_list;

TEST(PropertiesFileTest, SeparatorsEqualsColonAndWhitespace) {
    EXPECT_EQ(parse_properties("a=1\nb: 2\nc 3\nd\t=\t4\ne   :5\n"),
              (pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}}));
}

TEST(PropertiesFileTest, CommentsAndBlankLinesAreSkipped) {
    EXPECT_EQ(parse_properties("# comment\n! also comment\n\n   \n  # indented comment\nx=1\n"), (pairs{{"x", "1"}}));
}

TEST(PropertiesFileTest, HashInsideValueIsKept) {
    EXPECT_EQ(parse_properties("x=a#b\n"), (pairs{{"x", "a#b"}}));
}

TEST(PropertiesFileTest, WhitespaceIsTrimmedAroundKeyAndValue) {
    EXPECT_EQ(parse_properties("   key =   value with spaces   \n"), (pairs{{"key", "value with spaces"}}));
}

TEST(PropertiesFileTest, KeyWithoutValueIsEmpty) {
    EXPECT_EQ(parse_properties("lonely\nother=\n"), (pairs{{"lonely", ""}, {"other", ""}}));
}

TEST(PropertiesFileTest, OnlyFirstSeparatorSplits) {
    EXPECT_EQ(parse_properties("a=b=c\nx:y:z\n"), (pairs{{"a", "b=c"}, {"x", "y:z"}}));
}

TEST(PropertiesFileTest, BackslashContinuesLineAndDropsLeadingWhitespace) {
    EXPECT_EQ(parse_properties("listeners=PLAINTEXT://a:1,\\\n    SSL://b:2\nnext=1\n"),
              (pairs{{"listeners", "PLAINTEXT://a:1,SSL://b:2"}, {"next", "1"}}));
}

TEST(PropertiesFileTest, ContinuationLineStartingWithHashIsNotAComment) {
    EXPECT_EQ(parse_properties("a=1\\\n#2\n"), (pairs{{"a", "1#2"}}));
}

TEST(PropertiesFileTest, EvenBackslashesDoNotContinue) {
    EXPECT_EQ(parse_properties("a=x\\\\\nb=y\n"), (pairs{{"a", "x\\"}, {"b", "y"}}));
}

TEST(PropertiesFileTest, ContinuationAtEndOfFile) {
    EXPECT_EQ(parse_properties("a=1\\"), (pairs{{"a", "1"}}));
}

TEST(PropertiesFileTest, Escapes) {
    EXPECT_EQ(parse_properties("a=x\\ty\\nz\nb=c\\\\d\nc=e\\=f\\:g\nd=\\u0041\\u00e9\n"),
              (pairs{{"a", "x\ty\nz"}, {"b", "c\\d"}, {"c", "e=f:g"}, {"d", "A\xc3\xa9"}}));
}

TEST(PropertiesFileTest, EscapedSeparatorInKey) {
    EXPECT_EQ(parse_properties("my\\=key=v\nsp\\ ace=w\n"), (pairs{{"my=key", "v"}, {"sp ace", "w"}}));
}

TEST(PropertiesFileTest, MalformedUnicodeEscapeThrows) {
    EXPECT_THROW(parse_properties("a=\\u12\n"), config_error);
}

TEST(PropertiesFileTest, CrLfAndCrLineEndings) {
    EXPECT_EQ(parse_properties("a=1\r\nb=2\rc=3"), (pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
}

TEST(PropertiesFileTest, DuplicateKeysAreKeptInOrder) {
    EXPECT_EQ(parse_properties("a=1\na=2\n"), (pairs{{"a", "1"}, {"a", "2"}}));
}

TEST(PropertiesFileTest, MissingFileThrows) {
    EXPECT_THROW(read_properties_file("/nonexistent/server.properties"), config_error);
}

TEST(PropertiesFileTest, ReadsFile) {
    auto path = std::filesystem::temp_directory_path() / ("sluice-props-" + std::to_string(::getpid()));
    std::ofstream(path) << "node.id=3\n";
    EXPECT_EQ(read_properties_file(path), (pairs{{"node.id", "3"}}));
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace sluice::broker
