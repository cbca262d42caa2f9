package client

import (
	"maps"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// TopicChat is the data topic of chat messages.
const TopicChat = "chat"

// DataMessage is a message for other participants.
type DataMessage struct {
	// Topic routes the message; "chat" for chat.
	Topic   string
	Text    string
	Payload []byte
	// To lists destination identities; empty means everyone else.
	To []string
}

// SendChat sends a chat message to everyone else, or to the identities in
// to. A refusal (no publishData grant) arrives as an ErrorReceived event.
func (r *Room) SendChat(text string, to ...string) error {
	return r.SendData(DataMessage{Topic: TopicChat, Text: text, To: to})
}

// SendData sends a data message. A refusal arrives as an ErrorReceived
// event.
func (r *Room) SendData(m DataMessage) error {
	return r.send(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Data{Data: &parleypb.SendDataRequest{
		Topic:                 m.Topic,
		Text:                  m.Text,
		Payload:               m.Payload,
		DestinationIdentities: m.To,
	}}})
}

// ParticipantUpdate changes this participant's name, metadata and
// attributes.
type ParticipantUpdate struct {
	// Name; empty leaves it unchanged.
	Name     string
	Metadata string
	// Attributes are merged into the participant's; an empty value deletes
	// a key (e.g. {"hand_raised": "1"} then {"hand_raised": ""}).
	Attributes map[string]string
}

// UpdateParticipant sends a ParticipantUpdate; the result arrives as a
// ParticipantUpdated event with Local set.
func (r *Room) UpdateParticipant(u ParticipantUpdate) error {
	return r.send(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_UpdateParticipant{
		UpdateParticipant: &parleypb.UpdateParticipantRequest{
			Name:       u.Name,
			Metadata:   u.Metadata,
			Attributes: maps.Clone(u.Attributes),
		},
	}})
}
