package dev.troupe.runtime.model;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.langchain4j.internal.Json;
import dev.langchain4j.spi.json.JsonCodecFactory;
import java.lang.reflect.Type;

/**
 * LangChain4j's JSON codec, as Troupe registers it (through {@code META-INF/services}). LangChain4j's
 * default registers every Jackson module on the classpath, and Pekko brings jackson-module-scala,
 * whose untyped deserializer turns nested JSON objects into Scala maps: a raw JSON schema (an
 * answer schema, a tool parameter with {@code minimum}) then reached the provider as
 * {@code {"empty": false, "traversableAgain": true}}. This codec is LangChain4j's configuration
 * with only the Java modules.
 */
public final class LangChain4jJson implements JsonCodecFactory {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .visibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
      .disable(SerializationFeature.INDENT_OUTPUT)
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
      .addModule(new JavaTimeModule())
      .addModule(new Jdk8Module())
      .build();

  @Override
  public Json.JsonCodec create() {
    return new Json.JsonCodec() {
      @Override
      public String toJson(Object o) {
        try {
          return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException(e);
        }
      }

      @Override
      public <T> T fromJson(String json, Class<T> type) {
        try {
          return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException(e);
        }
      }

      @Override
      public <T> T fromJson(String json, Type type) {
        try {
          return MAPPER.readValue(json, MAPPER.constructType(type));
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException(e);
        }
      }
    };
  }
}
