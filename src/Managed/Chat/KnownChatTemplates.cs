namespace NativeInfer.Chat;

/// <summary>
/// The published <c>chat_template</c> texts each family recognises, as the models' tokenizer_config.json
/// holds them (after JSON decoding) and as GGUF converters copy them into <c>tokenizer.chat_template</c>.
/// Detection compares canonical forms (<see cref="JinjaCanonicalForm"/>), so layout, quoting and
/// escape spelling do not matter; everything that produces output does.
/// </summary>
internal static class KnownChatTemplates
{
    /// <summary>deepseek-ai/DeepSeek-V2-Chat, DeepSeek-V2-Lite-Chat, DeepSeek-Coder-V2-(Lite-)Instruct. The JSON has real line breaks inside the quotes.</summary>
    public const string DeepSeekV2 =
        "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{{ bos_token }}"
        + "{% for message in messages %}{% if message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\n\n' }}"
        + "{% elif message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] + eos_token }}"
        + "{% elif message['role'] == 'system' %}{{ message['content'] + '\n\n' }}{% endif %}{% endfor %}"
        + "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    /// <summary>Qwen/Qwen2-*-Instruct (including Qwen2-57B-A14B-Instruct): ChatML with a default system prompt.</summary>
    public const string Qwen2 =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        + "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
        + "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /// <summary>Qwen/Qwen1.5-*-Chat (including Qwen1.5-MoE-A2.7B-Chat): as Qwen2, default prompt without a full stop.</summary>
    public const string Qwen15 =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        + "{{ '<|im_start|>system\nYou are a helpful assistant<|im_end|>\n' }}{% endif %}"
        + "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /// <summary>Plain ChatML (teknium/OpenHermes-2.5, cognitivecomputations/dolphin-2.x-mixtral; the latter with the no-op preamble).</summary>
    public const string ChatML =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /// <summary>meta-llama/Meta-Llama-3-8B-Instruct and -70B-Instruct (current version).</summary>
    public const string Llama3 =
        "{% set loop_messages = messages %}{% for message in loop_messages %}"
        + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
        + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    /// <summary>Meta-Llama-3-Instruct as first published (April 2024): the assistant header is appended unconditionally.</summary>
    public const string Llama3Original =
        "{% set loop_messages = messages %}{% for message in loop_messages %}"
        + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
        + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        + "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}";

    /// <summary>
    /// mistralai's "v1" template with a system prompt (Mistral-7B-Instruct-v0.1/v0.2, Mixtral-8x7B-Instruct-v0.1,
    /// 2024 update). Here the JSON escapes the backslashes, so the Jinja itself contains <c>\n</c> escapes.
    /// </summary>
    public const string MistralV1 = """
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content'] %}
            {%- set loop_messages = messages[1:] %}
        {%- else %}
            {%- set loop_messages = messages %}
        {%- endif %}

        {{- bos_token }}
        {%- for message in loop_messages %}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
            {%- endif %}
            {%- if message['role'] == 'user' %}
                {%- if loop.first and system_message is defined %}
                    {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
                {%- else %}
                    {{- ' [INST] ' + message['content'] + ' [/INST]' }}
                {%- endif %}
            {%- elif message['role'] == 'assistant' %}
                {{- ' ' + message['content'] + eos_token}}
            {%- else %}
                {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
            {%- endif %}
        {%- endfor %}

        """;

    /// <summary>Mistral-7B-Instruct-v0.2 and Mixtral-8x7B-Instruct-v0.1 as first published (no system role).</summary>
    public const string MistralLegacy =
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
        + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
        + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    /// <summary>Mistral-7B-Instruct-v0.1 as first published: like <see cref="MistralLegacy"/> with a space after EOS.</summary>
    public const string MistralLegacyV01 =
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
        + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
        + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";
}
