package dev.troupe.runtime.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.sdk.ChatMessage;
import dev.troupe.sdk.ModelReply;
import dev.troupe.sdk.ModelRequest;
import dev.troupe.sdk.ToolCallRequest;
import dev.troupe.sdk.ToolSpec;
import java.util.List;

/**
 * What a model was asked and what it said, as JSON for the journal (before masking): the system
 * instructions and the conversation, the names of the tools offered (their schemas are the
 * tools' own, journaled nowhere else needed), the answer schema, and the reply's text and tool
 * calls.
 */
public final class ModelExchange {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private ModelExchange() {}

  public static ObjectNode prompt(ModelRequest request) {
    ObjectNode prompt = JSON.objectNode();
    if (!request.system().isEmpty()) {
      prompt.put("system", request.system());
    }
    ArrayNode messages = prompt.putArray("messages");
    for (ChatMessage message : request.messages()) {
      ObjectNode m = messages.addObject();
      if (message instanceof ChatMessage.User user) {
        m.put("role", "user").put("text", user.text());
      } else if (message instanceof ChatMessage.Assistant assistant) {
        m.put("role", "assistant");
        if (assistant.text() != null && !assistant.text().isEmpty()) {
          m.put("text", assistant.text());
        }
        calls(m, assistant.toolCalls());
      } else if (message instanceof ChatMessage.ToolResult result) {
        m.put("role", "tool").put("callId", result.callId()).put("tool", result.toolName())
            .put("text", result.content());
      }
    }
    if (!request.tools().isEmpty()) {
      ArrayNode tools = prompt.putArray("tools");
      request.tools().stream().map(ToolSpec::name).forEach(tools::add);
    }
    if (request.responseSchema() != null) {
      prompt.set("responseSchema", request.responseSchema());
    }
    prompt.put("maxOutputTokens", request.maxOutputTokens());
    if (request.temperature() != null) {
      prompt.put("temperature", request.temperature());
    }
    return prompt;
  }

  public static ObjectNode reply(ModelReply reply) {
    ObjectNode node = JSON.objectNode();
    node.put("text", reply.text());
    calls(node, reply.toolCalls());
    return node;
  }

  private static void calls(ObjectNode node, List<ToolCallRequest> calls) {
    if (calls.isEmpty()) {
      return;
    }
    ArrayNode array = node.putArray("toolCalls");
    for (ToolCallRequest call : calls) {
      ObjectNode c = array.addObject().put("id", call.id()).put("tool", call.name());
      c.set("arguments", call.arguments());
    }
  }
}
